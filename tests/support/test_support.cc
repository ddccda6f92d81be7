#include "support/test_support.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace portico::testing {

source::LoadResult loadOk(std::string_view yaml) {
  auto r = source::loadString(yaml, "test.yaml");
  for (const auto& d : r.diagnostics) {
    if (d.severity == api::Severity::Error) ADD_FAILURE() << d.format();
  }
  return r;
}

std::string sourceDir() { return PORTICO_SOURCE_DIR; }

std::string sharedDir() {
  std::string dir;
  if (const char* env = std::getenv("PORTICO_SHARED_DIR"); env && *env) {
    dir = env;
  } else {
    dir = sourceDir() + "/../shared";
  }
  return std::filesystem::is_directory(dir) ? dir : std::string();
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace portico::testing
