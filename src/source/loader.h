// Reads manifests (YAML or JSON, multi-document) from files, directories or
// stdin, decodes and validates every object and builds a snapshot. Invalid
// objects never enter the snapshot; each problem becomes a Diagnostic.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/diagnostic.h"
#include "store/snapshot.h"

namespace portico::source {

struct LoadResult {
  store::Snapshot snapshot;
  api::Diagnostics diagnostics;  // errors (object rejected) and warnings
  int documents = 0;
  std::map<std::string, int> objectsByKind;
  // Files that were read, in order (directories expanded, sorted by name).
  std::vector<std::string> files;
};

// `paths`: files, directories (every *.yaml, *.yml, *.json below them,
// sorted) or "-" for stdin. Unreadable paths are errors.
LoadResult loadPaths(const std::vector<std::string>& paths);

// Loads from one in-memory buffer as if it were a file called `filename`.
LoadResult loadString(std::string_view content, std::string_view filename = "<input>");

}  // namespace portico::source
