// The status the translator computes for every Gateway API object: the
// `.status` stanza the API server would hold after our status write.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "api/gateway.h"
#include "api/kinds.h"
#include "api/meta.h"
#include "api/refs.h"

namespace portico::status {

using api::Condition;

struct GatewayClassStatus {
  std::vector<Condition> conditions;
  std::vector<std::string> supportedFeatures;  // sorted ascending (spec §2)
  bool operator==(const GatewayClassStatus&) const = default;
};

struct ListenerStatus {
  std::string name;
  std::vector<api::RouteGroupKind> supportedKinds;
  int32_t attachedRoutes = 0;
  std::vector<Condition> conditions;
  bool operator==(const ListenerStatus&) const = default;
};

struct GatewayStatusAddress {
  std::string type;
  std::string value;
  bool operator==(const GatewayStatusAddress&) const = default;
};

struct GatewayStatus {
  std::vector<GatewayStatusAddress> addresses;
  std::vector<Condition> conditions;
  std::vector<ListenerStatus> listeners;
  int32_t attachedListenerSets = 0;
  bool operator==(const GatewayStatus&) const = default;
};

struct ListenerSetStatus {
  std::vector<Condition> conditions;
  std::vector<ListenerStatus> listeners;
  bool operator==(const ListenerSetStatus&) const = default;
};

struct RouteParentStatus {
  api::ParentReference parentRef;  // group, kind and namespace always set
  std::string controllerName;
  std::vector<Condition> conditions;
  bool operator==(const RouteParentStatus&) const = default;
};

struct RouteStatus {
  std::vector<RouteParentStatus> parents;
  bool operator==(const RouteStatus&) const = default;
};

struct PolicyAncestorStatus {
  api::ParentReference ancestorRef;
  std::string controllerName;
  std::vector<Condition> conditions;
  bool operator==(const PolicyAncestorStatus&) const = default;
};

struct PolicyStatus {
  std::vector<PolicyAncestorStatus> ancestors;
  bool operator==(const PolicyStatus&) const = default;
};

// ReferenceGrant has no status; `std::monostate` marks "nothing written".
using AnyStatus = std::variant<std::monostate, GatewayClassStatus, GatewayStatus, ListenerSetStatus,
                               RouteStatus, PolicyStatus>;

struct ObjectStatus {
  api::Kind kind{};
  std::string apiVersion;  // as written by the user
  std::string namespace_;
  std::string name;
  int64_t generation = 1;
  AnyStatus status;
};

// Every Gateway API object of the snapshot, ordered by kind then
// namespace/name.
struct StatusSet {
  std::vector<ObjectStatus> objects;

  const ObjectStatus* find(api::Kind kind, std::string_view ns, std::string_view name) const;
};

// Finds a condition by type; nullptr when absent.
const Condition* findCondition(const std::vector<Condition>& conds, std::string_view type);

}  // namespace portico::status
