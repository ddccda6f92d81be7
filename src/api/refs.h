// Reference structs shared by every Gateway API kind
// (apis/v1/shared_types.go, object_reference_types.go).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace portico::api {

inline constexpr const char* kGatewayGroup = "gateway.networking.k8s.io";
inline constexpr const char* kGatewayXGroup = "gateway.networking.x-k8s.io";

// ParentReference: group defaults to gateway.networking.k8s.io, kind to
// Gateway; namespace unset means the route's own namespace.
struct ParentReference {
  std::string group = kGatewayGroup;
  std::string kind = "Gateway";
  std::optional<std::string> namespace_;
  std::string name;
  std::optional<std::string> sectionName;
  std::optional<int32_t> port;

  bool operator==(const ParentReference&) const = default;
};

// BackendObjectReference: group "" (core), kind Service by default.
struct BackendObjectReference {
  std::string group;
  std::string kind = "Service";
  std::string name;
  std::optional<std::string> namespace_;
  std::optional<int32_t> port;
};

// SecretObjectReference: group "" and kind Secret by default.
struct SecretObjectReference {
  std::string group;
  std::string kind = "Secret";
  std::string name;
  std::optional<std::string> namespace_;
};

// ObjectReference (group, kind, name required; namespace optional).
struct ObjectReference {
  std::string group;
  std::string kind;
  std::string name;
  std::optional<std::string> namespace_;
};

struct LocalObjectReference {
  std::string group;
  std::string kind;
  std::string name;
};

struct ParametersReference {
  std::string group;
  std::string kind;
  std::string name;
  std::optional<std::string> namespace_;
};

// LocalPolicyTargetReferenceWithSectionName (policy targetRefs).
struct PolicyTargetReference {
  std::string group;
  std::string kind;
  std::string name;
  std::optional<std::string> sectionName;
};

}  // namespace portico::api
