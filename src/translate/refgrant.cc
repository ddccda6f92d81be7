#include "translate/refgrant.h"

namespace portico::translate {

ReferenceGrantIndex::ReferenceGrantIndex(const store::Snapshot& snapshot) {
  for (const auto& [key, grant] : snapshot.referenceGrants) {
    byNamespace_[grant->meta.namespace_].push_back(grant.get());
  }
}

bool ReferenceGrantIndex::permits(const RefFrom& from, const RefTo& to) const {
  if (from.namespace_ == to.namespace_) return true;
  auto it = byNamespace_.find(std::string(to.namespace_));
  if (it == byNamespace_.end()) return false;
  for (const api::ReferenceGrant* g : it->second) {
    bool fromOk = false;
    for (const auto& f : g->from) {
      if (f.group == from.group && f.kind == from.kind && f.namespace_ == from.namespace_) {
        fromOk = true;
        break;
      }
    }
    if (!fromOk) continue;
    for (const auto& t : g->to) {
      if (t.group == to.group && t.kind == to.kind && (!t.name || t.name->empty() || *t.name == to.name)) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace portico::translate
