#include "translate/conditions.h"

namespace portico::translate {
namespace {

void put(std::vector<api::Condition>& conds, api::Condition c) {
  for (auto& existing : conds) {
    if (existing.type == c.type) {
      existing = std::move(c);
      return;
    }
  }
  conds.push_back(std::move(c));
}

}  // namespace

void setCondition(std::vector<api::Condition>& conds, std::string type, bool status, std::string reason,
                  std::string message, int64_t generation) {
  put(conds, api::Condition{std::move(type), status ? "True" : "False", std::move(reason),
                            std::move(message), generation, {}});
}

void setUnknown(std::vector<api::Condition>& conds, std::string type, std::string reason,
                std::string message, int64_t generation) {
  put(conds, api::Condition{std::move(type), "Unknown", std::move(reason), std::move(message), generation, {}});
}

}  // namespace portico::translate
