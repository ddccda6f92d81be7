// The compiled, immutable configuration the data plane serves. It never
// refers to Gateway API objects: everything a request needs is resolved
// here (hostnames intersected, routes ordered by precedence, backends
// turned into clusters of ready endpoints, secrets into PEM material).
//
// Shape (after agentgateway's "IR has the shape of the user's objects"):
//   Config -> Bind (address:port, one socket) -> Listener (one Gateway or
//   ListenerSet listener) -> VirtualHost (one intersected hostname, routes
//   pre-sorted by spec precedence) -> Route (one match of one rule).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace portico::ir {

enum class Protocol { HTTP, HTTPS, TLS, TCP, UDP };
enum class PathMatchKind { Exact, Prefix, Regex };
enum class StringMatchKind { Exact, Regex };

struct PathMatch {
  PathMatchKind kind = PathMatchKind::Prefix;
  // For Prefix: stored without trailing '/' (except the root "/") so the
  // segment-wise comparison is a plain prefix test plus a boundary check.
  std::string value = "/";
};

struct StringMatch {
  StringMatchKind kind = StringMatchKind::Exact;
  std::string name;  // header names lower-cased; query names as written
  std::string value;
};

struct Match {
  PathMatch path;
  std::optional<std::string> method;
  std::vector<StringMatch> headers;
  std::vector<StringMatch> queryParams;
  // gRPC routes match on /service/method; stored as a path match (Exact or
  // Regex) built by the translator, plus this flag for diagnostics.
  bool grpc = false;
};

struct HeaderOps {
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<std::pair<std::string, std::string>> add;
  std::vector<std::string> remove;  // lower-cased
  bool empty() const { return set.empty() && add.empty() && remove.empty(); }
};

enum class PathRewriteKind { None, Full, Prefix };

struct PathRewrite {
  PathRewriteKind kind = PathRewriteKind::None;
  std::string value;
  std::string matchedPrefix;  // the PathPrefix the rule matched, for Prefix
};

struct Redirect {
  std::optional<std::string> scheme;
  std::optional<std::string> hostname;
  std::optional<int32_t> port;
  PathRewrite path;
  int32_t statusCode = 302;
};

struct Rewrite {
  std::optional<std::string> hostname;
  PathRewrite path;
};

struct Mirror {
  std::string cluster;  // empty when the mirror's backendRef is invalid (left out)
  // Share of requests mirrored, numerator / denominator.
  int32_t numerator = 100;
  int32_t denominator = 100;
};

struct Cors {
  std::vector<std::string> allowOrigins;
  bool allowCredentials = false;
  std::vector<std::string> allowMethods;
  std::vector<std::string> allowHeaders;
  std::vector<std::string> exposeHeaders;
  int32_t maxAge = 5;
};

// Filters, applied in the fixed order documented in docs/spec-decisions.md.
struct Filters {
  HeaderOps requestHeaders;
  HeaderOps responseHeaders;
  std::optional<Redirect> redirect;
  std::optional<Rewrite> rewrite;
  std::vector<Mirror> mirrors;
  std::optional<Cors> cors;
  bool empty() const {
    return requestHeaders.empty() && responseHeaders.empty() && !redirect && !rewrite && mirrors.empty() &&
           !cors;
  }
};

struct Backend {
  // Cluster name; empty means "invalid reference": its share answers
  // `invalidStatus` (500 per spec §12.7).
  std::string cluster;
  uint32_t weight = 1;
  int32_t invalidStatus = 500;
  // backendRef-level filters; null when there are none (the common case:
  // a full Filters per backend per expanded route dominated IR memory).
  std::shared_ptr<const Filters> filters;
};

struct Retry {
  std::vector<int32_t> codes;
  int32_t attempts = 1;
  uint64_t backoffMs = 0;
};

struct SessionPersistence {
  std::string name;  // cookie or header name
  bool header = false;
  bool permanent = false;
  uint64_t absoluteTimeoutMs = 0;
  uint64_t idleTimeoutMs = 0;  // v1.0-v1.5 field, still honoured
  std::string cookiePath;
};

struct Route {
  // Where it came from, for logs, metrics and `explain`.
  std::string routeKind;  // HTTPRoute | GRPCRoute
  std::string routeNamespace;
  std::string routeName;
  uint32_t ruleIndex = 0;
  std::string ruleName;
  uint32_t matchIndex = 0;

  Match match;
  Filters filters;
  std::vector<Backend> backends;
  // Set when the rule cannot be served (e.g. unresolved ExtensionRef):
  // every request matching it gets this status.
  int32_t directResponseStatus = 0;
  uint64_t requestTimeoutMs = 0;         // 0 = none
  uint64_t backendRequestTimeoutMs = 0;  // 0 = none
  std::optional<Retry> retry;
  std::optional<SessionPersistence> sessionPersistence;
};

// The sorted routes of one virtual host, immutable and shared: a reload in
// which a virtual host's routes did not change keeps the very list the
// previous Config had (translate's RouteMemo), so nothing is copied and
// the data plane keeps the table it compiled for it (router::BindRouter).
// Reads like a const std::vector<Route>; push_back copies on write.
class RouteList {
 public:
  using Vector = std::vector<Route>;
  RouteList() = default;
  RouteList(Vector routes)  // NOLINT: implicit, a list is built from a vector
      : p_(routes.empty() ? nullptr : std::make_shared<Vector>(std::move(routes))) {}
  RouteList(std::initializer_list<Route> routes) : RouteList(Vector(routes)) {}

  const Vector& get() const { return p_ ? *p_ : empty_(); }
  operator const Vector&() const { return get(); }  // NOLINT: reads like the vector
  // Lists are the same list (not merely equal) when their identities are.
  const void* identity() const { return p_.get(); }

  Vector::const_iterator begin() const { return get().begin(); }
  Vector::const_iterator end() const { return get().end(); }
  size_t size() const { return p_ ? p_->size() : 0; }
  bool empty() const { return size() == 0; }
  const Route& operator[](size_t i) const { return (*p_)[i]; }
  const Route& at(size_t i) const { return get().at(i); }
  const Route& front() const { return get().front(); }
  const Route& back() const { return get().back(); }

  // For code that builds a Config by hand (tests, benchmarks): in place
  // while this is the only holder, on a copy otherwise.
  void push_back(Route r) {
    if (!p_ || p_.use_count() > 1) p_ = std::make_shared<Vector>(get());
    p_->push_back(std::move(r));
  }

 private:
  static const Vector& empty_() {
    static const Vector kEmpty;
    return kEmpty;
  }
  std::shared_ptr<Vector> p_;  // never changed once shared
};

struct VirtualHost {
  // Exact ("foo.example.com"), wildcard ("*.example.com") or "*".
  std::string hostname;
  RouteList routes;      // HTTPRoute rules, sorted by precedence, best first
  RouteList grpcRoutes;  // GRPCRoute rules, sorted by gRPC precedence (never merged, §12.6)
};

struct L4Backend {
  std::string cluster;  // empty = invalid: reject that share of connections
  uint32_t weight = 1;
};

struct L4Route {
  std::string routeKind;  // TLSRoute | TCPRoute | UDPRoute
  std::string routeNamespace;
  std::string routeName;
  std::vector<std::string> hostnames;  // TLSRoute SNI names (intersected)
  std::vector<L4Backend> backends;
};

struct Certificate {
  std::string secret;   // namespace/name
  std::string certPem;  // chain
  std::string keyPem;
  std::vector<std::string> dnsNames;  // SANs, for SNI choice and diagnostics
};

// Gateway.spec.tls.frontend (GatewayFrontendClientCertificateValidation):
// client certificates asked for on an HTTPS listener and verified against
// these CAs. AllowInsecureFallback lets a connection without a valid
// certificate through (the Gateway says so in its conditions).
struct ClientValidation {
  std::vector<std::string> caPem;
  bool insecureFallback = false;
};

struct Listener {
  std::string gatewayNamespace;
  std::string gatewayName;
  std::string listenerSet;  // "ns/name" when from a ListenerSet
  std::string name;
  std::optional<std::string> hostname;
  Protocol protocol = Protocol::HTTP;
  bool tlsPassthrough = false;
  std::vector<Certificate> certificates;  // HTTPS / TLS terminate
  // Gateway.spec.tls.backend.clientCertificateRef: presented to backends
  // that ask for a client certificate.
  std::optional<Certificate> backendClientCertificate;
  std::optional<ClientValidation> clientValidation;  // HTTPS listeners only
  std::vector<VirtualHost> virtualHosts;             // sorted: exact, then wildcards by length, "*" last
  std::vector<L4Route> l4Routes;
};

struct Bind {
  std::string address;  // empty = the run's --listen-address
  int32_t port = 0;
  Protocol protocol = Protocol::HTTP;  // UDP binds are separate from TCP ones
  // Listeners sharing the port, most specific hostname first
  // (spec §12.3: exact > longer wildcard > shorter wildcard > none).
  std::vector<Listener> listeners;
};

struct Endpoint {
  std::string address;
  int32_t port = 0;
  std::string podName;  // from targetRef, when known
  std::string zone;
};

struct BackendTLS {
  // Set when the policy's CA configuration is unusable: connections must
  // fail (5xx) rather than fall back to plaintext or unverified TLS.
  bool invalid = false;
  std::string policy;  // namespace/name of the BackendTLSPolicy
  std::string sni;
  std::vector<std::string> caPem;
  bool systemCAs = false;
  std::vector<std::string> subjectAltNames;  // "DNS:x" or "URI:x"
  bool operator==(const BackendTLS&) const = default;
};

// Active HTTP health checking of a cluster's endpoints. Gateway API has
// none; the Service annotations portico.dev/health-check-* turn it on
// (docs/backend-health.md).
struct HealthCheck {
  std::string path = "/";
  uint64_t intervalMs = 5000;
  uint64_t timeoutMs = 1000;
  uint32_t healthyThreshold = 2;    // consecutive successes to readmit
  uint32_t unhealthyThreshold = 3;  // consecutive failures to take out
};

// How a request picks an endpoint of a cluster. Gateway API has no field
// for it: the Service annotation portico.dev/load-balancer chooses
// (docs/spec-decisions.md).
enum class LoadBalancer {
  RoundRobin,    // default
  LeastRequest,  // power of two choices over in-flight requests (Envoy LEAST_REQUEST)
};

struct Cluster {
  std::string name;  // "namespace/service:port"
  std::string serviceNamespace;
  std::string serviceName;
  int32_t port = 0;
  std::string portName;             // Service port name (BackendTLSPolicy sectionName)
  std::string appProtocol;          // e.g. kubernetes.io/h2c
  std::vector<Endpoint> endpoints;  // ready endpoints only
  std::optional<BackendTLS> tls;
  // Service-level session persistence (XBackendTrafficPolicy); a route
  // rule's own sessionPersistence wins over it.
  std::optional<SessionPersistence> sessionPersistence;
  LoadBalancer loadBalancer = LoadBalancer::RoundRobin;
  std::optional<HealthCheck> healthCheck;
};

struct Config {
  std::vector<Bind> binds;                  // sorted by (address, port, protocol)
  std::map<std::string, Cluster> clusters;  // by name
};

using ConfigPtr = std::shared_ptr<const Config>;

}  // namespace portico::ir
