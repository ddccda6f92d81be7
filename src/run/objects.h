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
#include <optional>
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

// One object whose text a generation changes: added or replaced (`text`
// set) or gone (`text` empty).
struct TextUpdate {
  std::string id;
  std::optional<ObjectText> text;
};

// What `snapshot` serves differently from `previous`, the snapshot `texts`
// describe: the objects added, replaced (another object, not necessarily
// another text) or removed, in id order. An object both serve as the same
// shared object keeps its text, so a reload pays per changed object, not
// per object (route propagation, docs/performance.md). A changed object's
// text comes from `contents` (parallel to `files`, null where the load did
// not read the file) or from its file; one the load rejected or whose
// document cannot be found keeps its text from `texts`, or gets a comment
// naming it, as in captureObjects.
std::vector<TextUpdate> captureChanges(const std::vector<std::string>& files,
                                       const std::vector<std::shared_ptr<const std::string>>& contents,
                                       const store::Snapshot& previous, const store::Snapshot& snapshot,
                                       const api::Diagnostics& diagnostics, const ObjectTexts& texts);

// `texts` with `updates` made.
void applyUpdates(ObjectTexts& texts, std::vector<TextUpdate> updates);

// A multi-document YAML stream, in load order.
std::string objectsYaml(const ObjectTexts& objects);

}  // namespace portico::run
