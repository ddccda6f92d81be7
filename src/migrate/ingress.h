// The networking.k8s.io/v1 Ingress as `portico migrate ingress` reads it,
// plus the Service ports it needs to resolve named ports. Decoding is
// lenient (an Ingress is input to a conversion, not an object Portico
// serves): fields Portico does not use are ignored, a malformed item is
// skipped with a warning, and every value keeps the line it came from so
// warnings point at it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/diagnostic.h"

namespace portico::migrate {

// Where a value was written.
struct Loc {
  std::string file;
  int line = 0;
};

struct IngressBackend {
  std::string field;  // e.g. spec.rules[0].http.paths[1].backend
  Loc loc;
  Loc portLoc;          // where service.port was written
  std::string service;  // empty: a `resource` backend (not convertible)
  std::optional<int32_t> portNumber;
  std::optional<std::string> portName;
  std::string resourceKind;  // set for `resource` backends
};

struct IngressPath {
  std::string field;  // spec.rules[i].http.paths[j]
  Loc loc;
  std::string path;  // as written; "" when absent
  std::string pathType;
  IngressBackend backend;
};

struct IngressRule {
  std::string field;  // spec.rules[i]
  Loc loc;
  std::string host;  // "" = any host
  std::vector<IngressPath> paths;
};

struct IngressTLS {
  std::string field;  // spec.tls[i]
  Loc loc;
  std::vector<std::string> hosts;
  std::string secretName;
};

struct Annotation {
  std::string key;
  std::string value;
  Loc loc;
};

struct Ingress {
  Loc loc;  // metadata.name's line, else the document's
  std::string namespace_ = "default";
  std::string name;
  std::optional<std::string> className;  // spec.ingressClassName, else kubernetes.io/ingress.class
  std::string classField;                // where className came from
  std::vector<Annotation> annotations;   // in the order written
  std::optional<IngressBackend> defaultBackend;
  std::vector<IngressRule> rules;
  std::vector<IngressTLS> tls;

  std::string ref() const { return namespace_ + "/" + name; }
  const Annotation* annotation(std::string_view key) const;
};

// Service name -> port name -> port number, per namespace.
struct ServicePorts {
  Loc loc;
  std::map<std::string, int32_t> byName;
  std::vector<int32_t> numbers;
};
using ServiceIndex = std::map<std::string, ServicePorts>;  // key "namespace/name"

struct Inputs {
  std::vector<Ingress> ingresses;  // in input order
  ServiceIndex services;
  api::Diagnostics diagnostics;  // parse errors, skipped objects and fields
};

// Reads every document of `content` (YAML stream or JSON, `kind: List`
// expanded) and keeps the Ingresses and Services; other kinds are ignored.
void readManifests(std::string_view content, const std::string& file, Inputs& out);

}  // namespace portico::migrate
