// Loads the same manifests as loadPaths() again and again, decoding only
// the files that changed since the previous load (`portico run` reloads on
// every change, and decoding is most of a reload at thousands of routes:
// bench/RESULTS.md). A file is read again when its identity changed (device,
// inode, size, modification or change time: editors that save by rename
// give a new inode); "-" (stdin) is read every time.
//
// The result equals loadPaths(paths) except for the values of meta.order:
// they keep file-then-document order, which is all the translator compares,
// but leave gaps so that an unchanged file keeps its objects (and their
// orders) when a file is added before it.
//
// With a hint from the file watcher (FileChanges) it trusts the events:
// only the files named are checked, and the directories are listed again
// only when files may have appeared or gone. Without one (start-up,
// SIGHUP, lost events) every file is checked.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "source/loader.h"
#include "source/watch.h"

namespace portico::source {

class FileSetLoader {
 public:
  explicit FileSetLoader(std::vector<std::string> paths);
  ~FileSetLoader();
  FileSetLoader(const FileSetLoader&) = delete;
  FileSetLoader& operator=(const FileSetLoader&) = delete;

  LoadResult load(const FileChanges* changes = nullptr);

  // Per file of the last load() (parallel to LoadResult::files): a number
  // that changes whenever that file was decoded again, so consumers can
  // cache what they derive from a file.
  const std::vector<uint64_t>& versions() const;
  // Files decoded by the last load() (the rest came from the cache).
  size_t decodedLastTime() const;
  // Per file of the last load(): the bytes decoded, for the files decoded
  // this time (null for the rest), so a consumer reads what was loaded
  // even if the file has changed again since. Handed over, not kept: at
  // start-up that is every file.
  std::vector<std::shared_ptr<const std::string>> takeContents();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace portico::source
