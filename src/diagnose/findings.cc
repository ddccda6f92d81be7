#include "diagnose/findings.h"

#include <algorithm>
#include <cctype>

namespace portico::diagnose {

std::string_view severityName(Severity s) {
  switch (s) {
    case Severity::Error:
      return "error";
    case Severity::Warning:
      return "warning";
    case Severity::Info:
      return "info";
  }
  return "error";
}

std::string ObjectRef::display() const {
  std::string out = kind;
  out.push_back(' ');
  if (!namespace_.empty()) out.append(namespace_).push_back('/');
  out.append(name);
  return out;
}

std::string Finding::key() const {
  std::string k = code;
  for (const std::string* part : {&object.kind, &object.namespace_, &object.name, &field, &subject}) {
    k.push_back('|');
    k.append(*part);
  }
  return k;
}

const std::vector<CodeInfo>& codeCatalog() {
  using S = Severity;
  // Grouped in the order diagnose walks a chain: input, GatewayClass,
  // Gateway, listener, TLS, route, references, backends, routing, gRPC,
  // policies, then what only a running Portico knows (diagnose --admin).
  // docs/troubleshooting.md has one section per entry.
  static const std::vector<CodeInfo> kCodes = {
      {"PD-INPUT-INVALID", S::Error, "object rejected by validation; the API server would refuse it"},
      {"PD-INPUT-WARNING", S::Warning, "the loader accepted the object with a warning"},
      {"PD-API-VERSION-NOT-SERVED", S::Error, "apiVersion not served by Gateway API v1.6.1"},
      {"PD-API-VERSION-DEPRECATED", S::Warning, "apiVersion served but deprecated"},
      {"PD-API-KIND-NOT-SERVED", S::Info, "kind Portico does not read; the object is ignored"},
      {"PD-API-FIELD-DEPRECATED", S::Warning, "deprecated field still honoured"},
      {"PD-API-EXPERIMENTAL-FIELD", S::Info, "experimental-channel field or kind in use"},
      {"PD-CLASS-NOT-FOUND", S::Error, "Gateway names a GatewayClass that does not exist"},
      {"PD-CLASS-NOT-OURS", S::Warning, "GatewayClass belongs to another controller"},
      {"PD-CLASS-NOT-ACCEPTED", S::Error, "GatewayClass not accepted"},
      {"PD-CLASS-CRD-VERSION", S::Warning, "Gateway API CRDs of an unsupported bundle version"},
      {"PD-GATEWAY-INVALID-PARAMETERS", S::Error, "Gateway infrastructure.parametersRef not usable"},
      {"PD-GATEWAY-ADDRESS-UNSUPPORTED", S::Error, "Gateway address type not supported"},
      {"PD-GATEWAY-ADDRESS-NOT-ASSIGNED", S::Error, "Gateway address could not be assigned"},
      {"PD-GATEWAY-ADDRESS-NOT-USABLE", S::Error, "Gateway static address not usable"},
      {"PD-GATEWAY-NOT-PROGRAMMED", S::Error, "Gateway not programmed"},
      {"PD-GATEWAY-CLIENT-CERT-INVALID", S::Error, "backend client certificate not usable"},
      {"PD-GATEWAY-LISTENERSET-NOT-ALLOWED", S::Error, "ListenerSet not allowed by its Gateway"},
      {"PD-LISTENER-PROTOCOL-UNSUPPORTED", S::Error, "listener protocol not supported"},
      {"PD-LISTENER-PROTOCOL-CONFLICT", S::Error, "listeners on one port with incompatible protocols"},
      {"PD-LISTENER-HOSTNAME-CONFLICT", S::Error, "listeners on one port with the same hostname"},
      {"PD-LISTENER-PORT-IN-USE", S::Error, "listener port already used or not bindable"},
      {"PD-LISTENER-INVALID", S::Error, "listener configuration invalid"},
      {"PD-LISTENER-ROUTE-KINDS", S::Warning, "allowedRoutes.kinds lists kinds the listener cannot carry"},
      {"PD-LISTENER-TLS-OVERLAP", S::Warning, "TLS listeners on one port with overlapping hostnames"},
      {"PD-LISTENER-CLIENT-CA-INVALID", S::Error, "client certificate validation CA not usable"},
      {"PD-LISTENER-NOT-SERVED", S::Warning, "listener valid but not served by this data plane"},
      {"PD-LISTENER-NO-ROUTES", S::Info, "listener has no attached routes"},
      {"PD-TLS-CERT-REF-KIND", S::Error, "certificateRef is not a core Secret"},
      {"PD-TLS-SECRET-NOT-FOUND", S::Error, "certificate Secret not found"},
      {"PD-TLS-SECRET-WRONG-TYPE", S::Error, "certificate Secret is not of type kubernetes.io/tls"},
      {"PD-TLS-CERT-UNPARSABLE", S::Error, "certificate or key cannot be parsed"},
      {"PD-TLS-KEY-MISMATCH", S::Error, "private key does not match the certificate"},
      {"PD-TLS-CERT-EXPIRED", S::Error, "certificate expired"},
      {"PD-TLS-CERT-NOT-YET-VALID", S::Error, "certificate not valid yet"},
      {"PD-TLS-CERT-EXPIRING", S::Warning, "certificate expires within 14 days"},
      {"PD-TLS-CERT-HOSTNAME-MISMATCH", S::Error, "certificate does not cover a hostname served"},
      {"PD-TLS-CHAIN-INCOMPLETE", S::Warning, "certificate chain lacks the issuer of a certificate"},
      {"PD-ROUTE-NO-PARENTS", S::Error, "route has no parentRefs"},
      {"PD-ROUTE-PARENT-NOT-FOUND", S::Error, "parentRef names a Gateway that does not exist"},
      {"PD-ROUTE-PARENT-NOT-OURS", S::Warning, "parent Gateway is not served by Portico"},
      {"PD-ROUTE-PARENT-PENDING", S::Warning, "parent Gateway not accepted; the route waits"},
      {"PD-ROUTE-SECTION-NOT-FOUND", S::Error, "parentRef sectionName matches no listener"},
      {"PD-ROUTE-PORT-NOT-FOUND", S::Error, "parentRef port matches no listener"},
      {"PD-ROUTE-NAMESPACE-NOT-ALLOWED", S::Error, "listener allowedRoutes refuses the route's namespace"},
      {"PD-ROUTE-KIND-NOT-ALLOWED", S::Error, "listener does not accept the route's kind"},
      {"PD-ROUTE-HOSTNAME-MISMATCH", S::Error, "no hostname in common with the listener"},
      {"PD-ROUTE-PARTIALLY-ATTACHED", S::Warning, "route attached to some parents but not others"},
      {"PD-ROUTE-LISTENER-NOT-SERVING", S::Warning, "route attached only to listeners that do not serve"},
      {"PD-ROUTE-RULES-INVALID", S::Error, "every rule of the route is invalid"},
      {"PD-ROUTE-RULE-DROPPED", S::Error, "invalid rule dropped (PartiallyInvalid)"},
      {"PD-REF-KIND-UNSUPPORTED", S::Error, "backendRef kind not supported"},
      {"PD-REF-SERVICE-NOT-FOUND", S::Error, "backendRef Service not found"},
      {"PD-REF-SERVICE-EXTERNALNAME", S::Error, "backendRef Service is of type ExternalName"},
      {"PD-REF-PORT-NOT-FOUND", S::Error, "backendRef port not among the Service's ports"},
      {"PD-REF-PROTOCOL-UNSUPPORTED", S::Error, "backend port protocol the route cannot carry"},
      {"PD-REF-EXTENSION-UNSUPPORTED", S::Error, "ExtensionRef filter Portico does not support"},
      {"PD-REF-GRANT-MISSING", S::Error, "cross-namespace reference without a ReferenceGrant"},
      {"PD-REF-GRANT-WRONG-NAMESPACE", S::Error, "ReferenceGrant created in the wrong namespace"},
      {"PD-REF-GRANT-FROM-MISMATCH", S::Error, "ReferenceGrant `from` does not name the referrer"},
      {"PD-REF-GRANT-TO-MISMATCH", S::Error, "ReferenceGrant `to` does not name the target's kind"},
      {"PD-REF-GRANT-NAME-EXCLUDES", S::Error, "ReferenceGrant `to.name` excludes the target"},
      {"PD-BACKEND-NO-READY-ENDPOINTS", S::Error, "backend Service has no ready endpoints (503)"},
      {"PD-BACKEND-ENDPOINTS-UNKNOWN", S::Info, "input holds no EndpointSlices; endpoints not checked"},
      {"PD-BACKEND-NONE", S::Error, "rule without backends answers 500"},
      {"PD-BACKEND-ALL-WEIGHTS-ZERO", S::Error, "every backend weight is 0; the rule answers 500"},
      {"PD-ROUTING-RULE-SHADOWED", S::Warning,
       "rule can never match: a higher-precedence rule takes its requests"},
      {"PD-ROUTING-DUPLICATE-MATCH", S::Warning, "same hostname and match claimed by several routes"},
      {"PD-GRPC-BACKEND-PROTOCOL", S::Info, "GRPCRoute backend port not declared as HTTP/2"},
      {"PD-POLICY-NOT-ACCEPTED", S::Error, "BackendTLSPolicy not accepted; its backends fail with 5xx"},
      {"PD-POLICY-CA-INVALID", S::Error, "BackendTLSPolicy CA certificate reference not usable"},
      {"PD-POLICY-TARGET-NOT-FOUND", S::Warning, "policy targets a Service that does not exist"},
      {"PD-LIVE-CONFIG-REJECTED", S::Error, "the running Portico refused part of its current config"},
      {"PD-LIVE-BACKEND-5XX", S::Warning, "a backend's requests end in 5xx (live counters)"},
      {"PD-LIVE-UPSTREAM-CONNECT-ERRORS", S::Warning, "connections to backends fail (live counters)"},
      {"PD-LIVE-ENDPOINTS-ALL-OUT", S::Error,
       "every endpoint of a backend is ejected or failing its health check"},
      {"PD-LIVE-ENDPOINTS-OUT", S::Warning, "some endpoints of a backend are out of rotation"},
      {"PD-LIVE-SESSION-SKEW", S::Warning, "new persistent sessions pile onto one endpoint"},
  };
  return kCodes;
}

const CodeInfo* findCode(std::string_view code) {
  const auto& all = codeCatalog();
  auto it = std::find_if(all.begin(), all.end(), [&](const CodeInfo& c) { return c.code == code; });
  return it == all.end() ? nullptr : &*it;
}

std::string docsLink(std::string_view code) {
  std::string anchor;
  for (char c : code) anchor.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return "docs/troubleshooting.md#" + anchor;
}

}  // namespace portico::diagnose
