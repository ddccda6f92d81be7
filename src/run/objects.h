// The objects a generation serves, as manifests: each object's own YAML
// document re-read from the file it came from, so /objects can be fed back
// to the loader (`portico diagnose -c objects.yaml`) and two generations
// can be compared line by line (`portico changes`). Secret values other
// than certificates are replaced by a digest: the admin API never hands
// out private keys.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/diagnostic.h"
#include "store/snapshot.h"

namespace portico::run {

struct ObjectText {
  int64_t order = 0;  // load order, so ties broken on it stay as they were
  // One document, no leading "---"; shared between generations (and with
  // the per-file cache) so a reload copies and compares pointers, not text.
  std::shared_ptr<const std::string> yaml;
};

// By object id: "Kind namespace/name" ("Kind name" when cluster-scoped).
using ObjectTexts = std::map<std::string, ObjectText, std::less<>>;

std::string objectId(std::string_view kind, std::string_view ns, std::string_view name);

// The text of every object of `snapshot`, read again from `files`. An
// object the load rejected (named by an error in `diagnostics`, or in a
// file or document that failed: it is served at its last good version),
// or whose document cannot be found (stdin; the file changed in between)
// keeps its text from `previous`, or is written as a comment naming it.
ObjectTexts captureObjects(const std::vector<std::string>& files, const store::Snapshot& snapshot,
                           const api::Diagnostics& diagnostics, const ObjectTexts& previous);

// The object documents last read from each file, by the file's version
// (source::FileSetLoader::versions()), so a reload parses again only the
// files that changed.
struct FileText {
  std::string id;
  std::string kind, namespace_, name;  // what `id` is made of
  int document = 0;
  std::shared_ptr<const std::string> yaml;
};
struct ObjectTextCache {
  struct File {
    uint64_t version = 0;
    std::vector<FileText> texts;
    uint64_t seen = 0;  // the capture that last listed the file
  };
  // Updated in place (mark and sweep): a reload at 10,000 files must not
  // rebuild a map of them.
  std::map<std::string, File, std::less<>> files;
  uint64_t captures = 0;
};
// `contents` (parallel to files, null where absent) are bytes the load
// read, used instead of reading those files again.
ObjectTexts captureObjects(const std::vector<std::string>& files, const std::vector<uint64_t>& versions,
                           const std::vector<std::shared_ptr<const std::string>>& contents,
                           const store::Snapshot& snapshot, const api::Diagnostics& diagnostics,
                           const ObjectTexts& previous, ObjectTextCache& cache);

// A multi-document YAML stream, in load order.
std::string objectsYaml(const ObjectTexts& objects);

}  // namespace portico::run
