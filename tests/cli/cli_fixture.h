// Shared by the CLI tests: a scratch directory of manifests, and detection
// of the placeholder loader/translator so that tests needing the real ones
// skip (instead of failing or passing vacuously) until they land.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "source/loader.h"
#include "support/test_support.h"
#include "translate/translator.h"

namespace portico::testing {

inline bool loaderIsPlaceholder() {
  auto r = source::loadString("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: probe\n", "probe.yaml");
  return r.snapshot.objectCount() == 0;
}

inline bool translatorIsPlaceholder() {
  auto r = source::loadString(
      "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: probe\n"
      "spec:\n  controllerName: portico.dev/gateway-controller\n",
      "probe.yaml");
  return translate::translate(r.snapshot).status.objects.empty();
}

#define PORTICO_NEEDS_LOADER() \
  if (::portico::testing::loaderIsPlaceholder()) GTEST_SKIP() << "loader is still the placeholder"

#define PORTICO_NEEDS_TRANSLATOR() \
  PORTICO_NEEDS_LOADER();          \
  if (::portico::testing::translatorIsPlaceholder()) GTEST_SKIP() << "translator is still the placeholder"

class ScratchDir : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "portico-cli-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& content) {
    const auto path = dir_ / name;
    std::ofstream(path) << content;
    return path.string();
  }
  std::string dir() const { return dir_.string(); }
  static std::string quickstart() { return sourceDir() + "/examples/quickstart"; }

  std::filesystem::path dir_;
};

}  // namespace portico::testing
