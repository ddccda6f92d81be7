// Pieces shared by the HTTPRoute and GRPCRoute validators.
#pragma once

#include <string>
#include <vector>

#include "api/routes.h"
#include "api/validate/checker.h"

namespace portico::api::validate {

// HTTPRouteFilter / GRPCRouteFilter lists: member union, per-type config and
// the list-level CEL rules. `grpc` selects the GRPCRouteFilter type enum.
void routeFilters(Checker& c, const FieldPath& p, const std::vector<HTTPRouteFilter>& fs, bool grpc);

// x-kubernetes-list-type: set -- every value at most once.
void uniqueStrings(Checker& c, const FieldPath& p, const std::vector<std::string>& v);

// Rule names: SectionName format and the [EXP] uniqueness CEL.
template <class Rule>
void ruleNames(Checker& c, const FieldPath& p, const std::vector<Rule>& rules) {
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!rules[i].name) continue;
    c.sectionName(p.at(i).field("name"), *rules[i].name);
    for (size_t j = 0; j < i; ++j) {
      if (rules[j].name == rules[i].name) {
        c.error(p.at(i).field("name"), "duplicate rule name " + quote(*rules[i].name) + " (also " + p.at(j).str() +
                                           "): rule names must be unique within the route");
        break;
      }
    }
  }
}

void hostnames(Checker& c, const FieldPath& p, const std::vector<std::string>& hs, size_t min, size_t max);

}  // namespace portico::api::validate
