// GatewayClass, Gateway and ListenerSet (apis/v1/gatewayclass_types.go,
// gateway_types.go, listenerset_types.go).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/meta.h"
#include "api/refs.h"

namespace portico::api {

struct GatewayClass {
  ObjectMeta meta;
  std::string apiVersion;
  std::string controllerName;
  std::optional<ParametersReference> parametersRef;
  std::optional<std::string> description;
};

struct LabelSelectorRequirement {
  std::string key;
  std::string operator_;  // In | NotIn | Exists | DoesNotExist
  std::vector<std::string> values;
};

struct LabelSelector {
  std::map<std::string, std::string> matchLabels;
  std::vector<LabelSelectorRequirement> matchExpressions;
};

struct RouteNamespaces {
  std::string from = "Same";  // All | Selector | Same (| None for listener sets)
  std::optional<LabelSelector> selector;
};

struct RouteGroupKind {
  std::string group = kGatewayGroup;
  std::string kind;
  bool operator==(const RouteGroupKind&) const = default;
};

struct AllowedRoutes {
  RouteNamespaces namespaces;
  std::vector<RouteGroupKind> kinds;
  bool kindsSet = false;  // distinguishes `kinds: []` from absent
};

struct ListenerTLSConfig {
  std::optional<std::string> mode;  // Terminate (default) | Passthrough
  std::vector<SecretObjectReference> certificateRefs;
  std::map<std::string, std::string> options;
};

struct Listener {
  std::string name;
  std::optional<std::string> hostname;
  int32_t port = 0;
  std::string protocol;
  std::optional<ListenerTLSConfig> tls;
  AllowedRoutes allowedRoutes;
};

struct GatewayAddress {
  std::string type = "IPAddress";
  std::optional<std::string> value;
};

struct GatewayInfrastructure {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::optional<LocalObjectReference> parametersRef;
};

struct FrontendTLSValidation {
  std::vector<ObjectReference> caCertificateRefs;
  std::string mode = "AllowValidOnly";  // | AllowInsecureFallback
};

struct TLSConfig {
  std::optional<FrontendTLSValidation> validation;
};

struct TLSPortConfig {
  int32_t port = 0;
  TLSConfig tls;
};

struct FrontendTLSConfig {
  TLSConfig default_;
  std::vector<TLSPortConfig> perPort;
};

struct GatewayBackendTLS {
  std::optional<SecretObjectReference> clientCertificateRef;
};

struct GatewayTLSConfig {
  std::optional<GatewayBackendTLS> backend;
  std::optional<FrontendTLSConfig> frontend;
};

struct AllowedListeners {
  RouteNamespaces namespaces{"None", std::nullopt};
};

struct Gateway {
  ObjectMeta meta;
  std::string apiVersion;
  std::string gatewayClassName;
  std::vector<Listener> listeners;
  std::vector<GatewayAddress> addresses;
  std::optional<GatewayInfrastructure> infrastructure;
  std::optional<AllowedListeners> allowedListeners;
  std::optional<GatewayTLSConfig> tls;
  std::optional<std::string> defaultScope;  // [EXP] All | None
};

// ParentGatewayReference.
struct ParentGatewayReference {
  std::string group = kGatewayGroup;
  std::string kind = "Gateway";
  std::string name;
  std::optional<std::string> namespace_;
};

struct ListenerSet {
  ObjectMeta meta;
  std::string apiVersion;
  ParentGatewayReference parentRef;
  std::vector<Listener> listeners;  // ListenerEntry has the Listener shape
};

}  // namespace portico::api
