// Golden pairs (after Envoy Gateway's translator testdata): every folder
// under tests/translate/golden/ holds input.yaml and the expected
// status.yaml (the Kubernetes List `portico status -o yaml` prints),
// ir.json (the IR `portico config-dump` prints) and diagnostics.txt.
// PORTICO_UPDATE_GOLDEN=1 rewrites the expected files from the current
// output; review the diff before committing it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "ir/ir_json.h"
#include "source/loader.h"
#include "status/status_json.h"
#include "support/test_support.h"
#include "translate/translator.h"

namespace portico::testing {
namespace {

namespace fs = std::filesystem;

std::string goldenRoot() { return sourceDir() + "/tests/translate/golden"; }

std::vector<std::string> caseNames() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(goldenRoot())) {
    if (e.is_directory() && fs::exists(e.path() / "input.yaml"))
      names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool updating() {
  const char* v = std::getenv("PORTICO_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

void compareOrUpdate(const fs::path& file, const std::string& actual) {
  if (updating()) {
    std::ofstream(file, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(fs::exists(file)) << file << " is missing; run with PORTICO_UPDATE_GOLDEN=1 to create it";
  EXPECT_EQ(readFile(file.string()), actual) << "golden file " << file.filename() << " differs";
}

class Golden : public ::testing::TestWithParam<std::string> {};

struct Rendered {
  std::string status, ir, diagnostics;
};

Rendered render(const source::LoadResult& load, const translate::Result& result) {
  Rendered out;
  for (const auto& d : load.diagnostics) out.diagnostics += d.format() + "\n";
  for (const auto& d : result.diagnostics) out.diagnostics += d.format() + "\n";
  status::DocumentOptions opts;
  opts.format = status::DocumentFormat::Yaml;
  opts.lastTransitionTime = "2026-01-01T00:00:00Z";
  out.status = status::renderKubeList(result.status, opts);
  out.ir = ir::toJson(result.ir, true) + "\n";
  return out;
}

TEST_P(Golden, MatchesExpectedStatusAndIR) {
  const fs::path dir = fs::path(goldenRoot()) / GetParam();
  auto load = source::loadString(readFile((dir / "input.yaml").string()), "input.yaml");
  const Rendered fresh = render(load, translate::translate(load.snapshot));
  compareOrUpdate(dir / "status.yaml", fresh.status);
  compareOrUpdate(dir / "ir.json", fresh.ir);
  compareOrUpdate(dir / "diagnostics.txt", fresh.diagnostics);

  // With a RouteMemo (what `portico run` keeps between reloads): the first
  // translation fills it, the second takes every route from it; both must
  // give exactly the fresh result.
  translate::RouteMemo memo;
  for (int pass = 0; pass < 2; ++pass) {
    const Rendered memoized = render(load, translate::translate(load.snapshot, {}, &memo));
    EXPECT_EQ(memoized.status, fresh.status) << "pass " << pass;
    EXPECT_EQ(memoized.ir, fresh.ir) << "pass " << pass;
    EXPECT_EQ(memoized.diagnostics, fresh.diagnostics) << "pass " << pass;
  }
  EXPECT_EQ(memo.misses(), 0u);
  EXPECT_EQ(memo.hits(), load.snapshot.httpRoutes.size() + load.snapshot.grpcRoutes.size());
}

INSTANTIATE_TEST_SUITE_P(Cases, Golden, ::testing::ValuesIn(caseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           for (auto& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace portico::testing
