// The last config generations of `portico run`, for `portico changes`
// and /changes: when each was applied and why, which objects it added,
// removed or modified (a compact line diff of their manifests) and which
// status conditions flipped with it. "What broke traffic at 10:42" is the
// generation applied just before, and what to roll back is its diff.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "run/objects.h"
#include "status/types.h"

namespace portico::run {

// How many generations /changes keeps.
inline constexpr size_t kHistoryGenerations = 16;

struct ObjectChange {
  std::string op;  // added | removed | modified
  std::string kind, namespace_, name;
  std::vector<std::string> diff;  // modified only (line_diff.h)
};

// One condition that appeared, disappeared or changed status or reason.
struct ConditionFlip {
  std::string object;  // "HTTPRoute default/web"
  std::string scope;   // "", "listener https", "parent infra/gw", "ancestor ns/name"
  std::string type;
  std::string before;  // "True (Accepted)"; "" when absent
  std::string after;
};

struct Generation {
  uint64_t number = 0;
  std::string time;     // RFC 3339, UTC
  std::string trigger;  // startup | SIGHUP | files changed
  size_t objects = 0;
  size_t rejected = 0;                   // error diagnostics of the load
  size_t carried = 0;                    // rejected objects served at their last good version
  std::vector<std::string> diagnostics;  // the load's errors, formatted (at most a few)
  std::vector<ObjectChange> changes;
  std::vector<ConditionFlip> flips;
};

std::vector<ObjectChange> diffObjects(const ObjectTexts& before, const ObjectTexts& after);
// The same for `updates` (captureChanges) to be made to `before`: the work
// is per changed object.
std::vector<ObjectChange> diffObjects(const ObjectTexts& before, const std::vector<TextUpdate>& updates);
std::vector<ConditionFlip> diffConditions(const status::StatusSet& before, const status::StatusSet& after);

// Keeps the last `keep` generations. Not thread-safe: the controller holds
// its lock around it.
class History {
 public:
  explicit History(size_t keep = kHistoryGenerations) : keep_(keep) {}
  void record(Generation g);
  const std::deque<Generation>& generations() const { return gens_; }  // oldest first

 private:
  size_t keep_;
  std::deque<Generation> gens_;
};

// Schema "portico.dev/changes/v1" (docs/troubleshooting.md), newest first.
std::string historyJson(const std::deque<Generation>& generations, size_t keep);

}  // namespace portico::run
