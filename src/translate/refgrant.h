// ReferenceGrant checks (spec §12.14): a grant lives in the referent's
// namespace, permits only the (from group/kind/namespace) -> (to
// group/kind[/name]) pairs it lists, grants add up, and never chain.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/snapshot.h"

namespace portico::translate {

struct RefFrom {
  std::string_view group;
  std::string_view kind;
  std::string_view namespace_;
};

struct RefTo {
  std::string_view group;
  std::string_view kind;
  std::string_view namespace_;
  std::string_view name;
};

class ReferenceGrantIndex {
 public:
  explicit ReferenceGrantIndex(const store::Snapshot& snapshot);

  // Same-namespace references are always permitted.
  bool permits(const RefFrom& from, const RefTo& to) const;

 private:
  // Grants by the namespace they live in (the referent's namespace).
  std::unordered_map<std::string, std::vector<const api::ReferenceGrant*>> byNamespace_;
};

}  // namespace portico::translate
