// Helpers shared by the tests: load YAML into a snapshot, run the
// translator, find the source tree and the shared directory.
#pragma once

#include <string>
#include <string_view>

#include "source/loader.h"

namespace portico::testing {

// Loads `yaml`, failing the current test on any error diagnostic.
source::LoadResult loadOk(std::string_view yaml);

// The repository root (compile-time).
std::string sourceDir();

// $PORTICO_SHARED_DIR or ../shared relative to the repository root; empty
// when it does not exist (tests that need it then skip).
std::string sharedDir();

std::string readFile(const std::string& path);

}  // namespace portico::testing
