// HTTPRoute / GRPCRoute filters -> IR filters (spec §5, §12.8-§12.10, §12.15).
#pragma once

#include <string>
#include <vector>

#include "translate/context.h"

namespace portico::translate {

// What went wrong while compiling one rule. A rule with `invalid` set is
// dropped (route PartiallyInvalid or, if every rule is, Accepted=False
// UnsupportedValue); `refReason` makes ResolvedRefs False while the rule
// keeps serving.
struct RuleProblems {
  std::string invalid;  // message; empty = rule is servable
  std::string invalidReason = "UnsupportedValue";  // route Accepted reason when every rule is invalid
  std::string refReason;
  std::string refMessage;
  int32_t directStatus = 0;  // e.g. 500 for an unresolvable ExtensionRef

  void setInvalid(std::string msg, std::string reason = "UnsupportedValue") {
    if (invalid.empty()) {
      invalid = std::move(msg);
      invalidReason = std::move(reason);
    }
  }
  void setRef(std::string reason, std::string msg) {
    if (refReason.empty()) {
      refReason = std::move(reason);
      refMessage = std::move(msg);
    }
  }
};

struct FilterScope {
  std::string_view routeKind;
  std::string_view routeNamespace;
  std::string field;          // e.g. spec.rules[1].filters
  std::string matchedPrefix;  // the rule's PathPrefix value, for ReplacePrefixMatch
  bool grpc = false;
};

void compileFilters(Context& ctx, const FilterScope& scope, const std::vector<api::HTTPRouteFilter>& filters,
                    ir::Filters& out, RuleProblems& problems);

}  // namespace portico::translate
