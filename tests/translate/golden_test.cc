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
    if (e.is_directory() && fs::exists(e.path() / "input.yaml")) names.push_back(e.path().filename().string());
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

TEST_P(Golden, MatchesExpectedStatusAndIR) {
  const fs::path dir = fs::path(goldenRoot()) / GetParam();
  auto load = source::loadString(readFile((dir / "input.yaml").string()), "input.yaml");
  std::string diags;
  for (const auto& d : load.diagnostics) diags += d.format() + "\n";
  auto result = translate::translate(load.snapshot);
  for (const auto& d : result.diagnostics) diags += d.format() + "\n";

  status::DocumentOptions opts;
  opts.format = status::DocumentFormat::Yaml;
  opts.lastTransitionTime = "2026-01-01T00:00:00Z";
  compareOrUpdate(dir / "status.yaml", status::renderKubeList(result.status, opts));
  compareOrUpdate(dir / "ir.json", ir::toJson(result.ir, true) + "\n");
  compareOrUpdate(dir / "diagnostics.txt", diags);
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
