// `portico migrate ingress`: networking.k8s.io/v1 Ingress objects (and the
// common ingress-nginx annotations) to one Gateway, HTTPRoutes and the
// ReferenceGrants they need. A pure function from manifest text to
// manifest text plus warnings; the CLI only reads files and prints.
//
// The mapping, and every choice where Ingress and Gateway API differ, is
// documented in docs/migrate-ingress.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/diagnostic.h"

namespace portico::migrate {

// --mirror-to [NAMESPACE/]SERVICE:PORT
struct MirrorTarget {
  std::string namespace_;  // empty: each route's own namespace
  std::string name;
  int32_t port = 0;
};

// Parses "[ns/]name:port"; nullopt (and `error` set) when malformed.
std::optional<MirrorTarget> parseMirrorTarget(std::string_view text, std::string* error);

struct Options {
  std::string gatewayClass;      // empty: the Ingresses' class (ingressClassName / ingress.class)
  std::string gatewayName;       // empty: the GatewayClass name
  std::string gatewayNamespace;  // empty: the Ingresses' namespace when they share one, else "default"
  std::optional<MirrorTarget> mirror;
};

struct Input {
  std::string file;  // for warnings ("-" is shown as <stdin>)
  std::string content;
};

struct Result {
  // YAML documents separated by `---`, in a stable order: the Gateway,
  // ReferenceGrants, then HTTPRoutes, each sorted by namespace and name.
  // Empty when nothing was converted.
  std::string yaml;
  // Warnings (what could not be carried over, and why) and errors
  // (unreadable documents), in input order.
  api::Diagnostics diagnostics;
  int ingresses = 0;  // Ingress objects found
  int converted = 0;  // Ingresses that produced at least one route rule
  int gateways = 0, httpRoutes = 0, referenceGrants = 0;
};

Result migrateIngress(const std::vector<Input>& inputs, const Options& options);

}  // namespace portico::migrate
