// Watches the manifest paths given to `portico run` and reports changes so
// the configuration can be reloaded. inotify based (Linux), no polling.
//
// - Directories are watched recursively, including subdirectories created
//   (or moved in) later. Inside them only manifests (*.yaml, *.yml, *.json,
//   the files loadPaths() reads) and subdirectories count, so editor swap
//   and backup files do not cause reloads.
// - A file is watched through its parent directory, filtered by its name,
//   so editors that save by writing a temporary file and renaming it over
//   the original are seen (a watch on the file itself would follow the old,
//   replaced inode). If the file is a symlink, the directory of its target
//   is watched too (Kubernetes ConfigMap volumes swap such links); targets
//   are re-resolved after every change. A file that does not exist yet is
//   fine: creating it counts as a change.
// - "-" (stdin) is ignored.
//
// Events are debounced: onChange runs once per burst, after `debounce` of
// quiet, on the watcher's own thread (never concurrently with itself). A
// burst of only renames and deletions (an atomic write: a temporary file
// renamed into place) needs only 1 ms of quiet, since no file in it can be
// half-written. onChange must not throw, and must not destroy the watcher.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace portico::source {

// What a burst of events touched, so a reload can skip what did not change
// (FileSetLoader::load's hint).
struct FileChanges {
  // The extent is unknown: events were lost, a directory or a watched root
  // moved, a single watched file or a symlink's target changed. Assume
  // anything changed.
  bool everything = false;
  // Manifests may have appeared or gone (created, deleted, renamed).
  bool listing = false;
  // Manifests with events, as directory + "/" + name: the form directory
  // listings use, so they compare equal to the loader's paths.
  std::set<std::string> files;
};

class FileWatcher {
 public:
  // Returns null and sets `error` when inotify is unavailable or a path
  // cannot be watched (neither it nor its parent directory exists, watch
  // limit reached, ...).
  static std::unique_ptr<FileWatcher> start(const std::vector<std::string>& paths,
                                            std::chrono::milliseconds debounce,
                                            std::function<void(const FileChanges&)> onChange,
                                            std::string& error);
  // Wakes the watcher thread and joins it; a pending (debounced) change is
  // dropped.
  virtual ~FileWatcher() = default;

 protected:
  FileWatcher() = default;
};

}  // namespace portico::source
