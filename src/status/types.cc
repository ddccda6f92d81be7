#include "status/types.h"

namespace portico::status {

const ObjectStatus* StatusSet::find(api::Kind kind, std::string_view ns, std::string_view name) const {
  for (const auto& o : objects) {
    if (o.kind == kind && o.namespace_ == ns && o.name == name) return &o;
  }
  return nullptr;
}

const Condition* findCondition(const std::vector<Condition>& conds, std::string_view type) {
  for (const auto& c : conds) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

}  // namespace portico::status
