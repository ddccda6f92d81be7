// The core Kubernetes objects the translator reads: Service, EndpointSlice,
// Secret, ConfigMap and Namespace (only the fields Portico uses).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/meta.h"

namespace portico::api {

struct ServicePort {
  std::optional<std::string> name;
  int32_t port = 0;
  std::string targetPort;  // number or named port, as written
  std::string protocol = "TCP";
  std::optional<std::string> appProtocol;
};

struct Service {
  ObjectMeta meta;
  std::string type = "ClusterIP";
  std::string clusterIP;
  std::optional<std::string> externalName;
  std::map<std::string, std::string> selector;
  std::vector<ServicePort> ports;
};

struct EndpointConditions {
  std::optional<bool> ready;  // nil means ready (discovery.k8s.io/v1 docs)
  std::optional<bool> serving;
  std::optional<bool> terminating;
};

struct Endpoint {
  std::vector<std::string> addresses;
  EndpointConditions conditions;
  std::optional<std::string> hostname;
  std::optional<std::string> nodeName;
  std::optional<std::string> zone;
  std::optional<std::string> targetRefName;  // Pod name, for the echo server
};

struct EndpointPort {
  std::optional<std::string> name;
  std::optional<int32_t> port;
  std::string protocol = "TCP";
  std::optional<std::string> appProtocol;
};

struct EndpointSlice {
  ObjectMeta meta;
  std::string addressType;  // IPv4 | IPv6 | FQDN
  std::vector<Endpoint> endpoints;
  std::vector<EndpointPort> ports;
  // From label kubernetes.io/service-name.
  std::string serviceName() const {
    auto it = meta.labels.find("kubernetes.io/service-name");
    return it == meta.labels.end() ? std::string() : it->second;
  }
};

struct Secret {
  ObjectMeta meta;
  std::string type = "Opaque";
  std::map<std::string, std::string> data;  // decoded bytes (base64 undone)
};

struct ConfigMap {
  ObjectMeta meta;
  std::map<std::string, std::string> data;
};

struct Namespace {
  ObjectMeta meta;  // labels used by allowedRoutes selectors
};

// apiextensions.k8s.io/v1 CustomResourceDefinition: only what the
// GatewayClass SupportedVersion condition needs (the Gateway API bundle
// version is the CRD annotation gateway.networking.k8s.io/bundle-version).
struct CustomResourceDefinition {
  ObjectMeta meta;
  std::string group;  // spec.group
};

}  // namespace portico::api
