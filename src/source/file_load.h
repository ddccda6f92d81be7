// The pieces loadPaths() is made of, shared with FileSetLoader
// (file_set.h), which decodes only the files that changed: a manifest file
// is decoded on its own into a FileLoad, and FileLoads are assembled, in
// file order, into one LoadResult (where duplicates across files are
// found). Internal to the source layer.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/kinds.h"
#include "source/loader.h"

namespace portico::source {

struct FileObject {
  AnyObject object;
  api::Kind kind;
};

// One file decoded: its objects in document order (a duplicate inside the
// file already reported and dropped), and its diagnostics.
struct FileLoad {
  int documents = 0;
  std::vector<FileObject> objects;
  api::Diagnostics diagnostics;
  // (index in diagnostics, "apiVersion kind") of each unknown-kind warning:
  // a load names each unknown kind once, so assembly keeps the first.
  std::vector<std::pair<size_t, std::string>> unknownKinds;
};

// `paths` as loadPaths() reads them: directories expanded (manifests below
// them, sorted), "-" kept; a path that cannot be read is an error in `errors`.
std::vector<std::string> expandPaths(const std::vector<std::string>& paths, api::Diagnostics& errors);

// True when a directory listing would include `path`: a manifest name
// (.yaml, .yml, .json) of a regular file, or of a symlink to one.
bool isListedManifest(const std::string& path);

// The file's bytes ("-": all of stdin); false when it cannot be read.
bool readInput(const std::string& file, std::string& content);

// Objects get meta.order firstOrder, firstOrder + 1, ... in document order.
FileLoad decodeFile(std::string_view content, const std::string& file, int64_t firstOrder);

// Adds `object` to its kind's table and returns null, or returns the
// metadata of the object that already holds its key (nothing added).
const api::ObjectMeta* insertOrFind(store::Snapshot& snapshot, const AnyObject& object);

class Assembler {
 public:
  LoadResult result;
  void add(const std::string& file, const FileLoad& load);
  void unreadable(const std::string& file);  // "cannot read file"

 private:
  std::set<std::string, std::less<>> unknownKinds_;
};

}  // namespace portico::source
