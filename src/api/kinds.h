// The kinds Portico understands, with the API versions each is served in.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace portico::api {

enum class Kind {
  GatewayClass,
  Gateway,
  ListenerSet,
  HTTPRoute,
  GRPCRoute,
  TLSRoute,
  TCPRoute,
  UDPRoute,
  ReferenceGrant,
  BackendTLSPolicy,
  XBackendTrafficPolicy,
  Service,
  EndpointSlice,
  Secret,
  ConfigMap,
  Namespace,
  CustomResourceDefinition,
};

std::string_view kindName(Kind k);
std::optional<Kind> kindFromName(std::string_view name);
bool isClusterScoped(Kind k);
bool isRouteKind(Kind k);

// The API group of a kind ("" for core).
std::string_view kindGroup(Kind k);

// Result of checking apiVersion against what the v1.6.1 CRDs (standard and
// experimental bundles) still serve.
struct VersionCheck {
  bool served = false;
  bool deprecated = false;  // served, but a newer version should be used
  std::string message;      // why not served, or the deprecation notice
};
VersionCheck checkApiVersion(Kind k, std::string_view apiVersion);

// The apiVersion Portico writes back (the storage version's group/version).
std::string_view preferredApiVersion(Kind k);

}  // namespace portico::api
