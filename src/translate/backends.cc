#include "translate/backends.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "translate/conditions.h"
#include "translate/duration.h"

namespace portico::translate {
namespace {

// appProtocol values a route kind can use (GEP-1911). A value we cannot
// speak is UnsupportedProtocol rather than a silent protocol guess.
bool appProtocolSupported(std::string_view routeKind, std::string_view app) {
  if (app.empty()) return true;
  if (routeKind == "HTTPRoute") {
    return app == "http" || app == "HTTP" || app == "kubernetes.io/h2c" || app == "kubernetes.io/ws" ||
           app == "https" || app == "HTTPS";
  }
  if (routeKind == "GRPCRoute") return app == "kubernetes.io/h2c" || app == "grpc" || app == "http2";
  if (routeKind == "TLSRoute") return true;  // bytes are passed through
  return true;                               // TCPRoute / UDPRoute: L4
}

void fillEndpoints(const Context& ctx, ir::Cluster& c, const api::Service& svc, const api::ServicePort& sp) {
  const std::string portName = sp.name.value_or("");
  const auto slices = ctx.slicesByService.find(nsName(svc.meta.namespace_, svc.meta.name));
  if (slices == ctx.slicesByService.end()) return;
  for (const api::EndpointSlice* slice : slices->second) {
    if (slice->addressType == "FQDN") continue;  // not resolvable by a proxy without DNS
    // The slice port that serves this Service port has the same name.
    std::optional<int32_t> port;
    for (const auto& p : slice->ports) {
      if (p.name.value_or("") == portName && p.port) port = p.port;
    }
    if (!port) continue;
    for (const auto& ep : slice->endpoints) {
      // Only ready endpoints carry traffic; nil `ready` means ready, and a
      // terminating endpoint is not ready (discovery.k8s.io/v1).
      if (ep.conditions.ready.has_value() && !*ep.conditions.ready) continue;
      if (!ep.conditions.ready.has_value() && ep.conditions.terminating.value_or(false)) continue;
      for (const auto& addr : ep.addresses) {
        c.endpoints.push_back(ir::Endpoint{addr, *port, ep.targetRefName.value_or(""), ep.zone.value_or("")});
      }
    }
  }
  std::sort(c.endpoints.begin(), c.endpoints.end(), [](const ir::Endpoint& a, const ir::Endpoint& b) {
    return std::tie(a.address, a.port) < std::tie(b.address, b.port);
  });
}

// The Service annotation choosing the endpoint picker (Gateway API has no
// load-balancing field). An unknown value is reported and round-robin kept:
// a typo must not take the Service out of service.
constexpr std::string_view kLoadBalancerAnnotation = "portico.dev/load-balancer";

ir::LoadBalancer loadBalancerOf(Context& ctx, const api::Service& svc) {
  auto it = svc.meta.annotations.find(std::string(kLoadBalancerAnnotation));
  if (it == svc.meta.annotations.end() || it->second == "round-robin") return ir::LoadBalancer::RoundRobin;
  if (it->second == "least-request") return ir::LoadBalancer::LeastRequest;
  ctx.warn(
      "Service", svc.meta, fmt::format("metadata.annotations[{}]", kLoadBalancerAnnotation),
      fmt::format("unknown load balancer \"{}\" (expected round-robin or least-request); using round-robin",
                  it->second));
  return ir::LoadBalancer::RoundRobin;
}

// Active health checks (docs/backend-health.md): Gateway API has no field
// for them, so Service annotations turn them on. The path annotation is
// the switch; the others tune it. A bad value is reported and its default
// kept, like the load-balancer annotation: a typo must not take the
// Service out of service.
constexpr std::string_view kHealthCheckPrefix = "portico.dev/health-check-";

std::optional<ir::HealthCheck> healthCheckOf(Context& ctx, const api::Service& svc) {
  const auto& a = svc.meta.annotations;
  auto get = [&](std::string_view suffix) -> const std::string* {
    auto it = a.find(std::string(kHealthCheckPrefix) + std::string(suffix));
    return it == a.end() ? nullptr : &it->second;
  };
  const std::string* path = get("path");
  if (!path) return std::nullopt;
  ir::HealthCheck h;
  auto bad = [&](std::string_view suffix, const std::string& value, std::string_view want) {
    ctx.warn("Service", svc.meta, fmt::format("metadata.annotations[{}{}]", kHealthCheckPrefix, suffix),
             fmt::format("\"{}\" is not {}; using the default", value, want));
  };
  if (path->empty() || path->front() != '/') {
    bad("path", *path, "an absolute path");
  } else {
    h.path = *path;
  }
  for (auto [suffix, field] : {std::pair{"interval", &h.intervalMs}, std::pair{"timeout", &h.timeoutMs}}) {
    if (const std::string* v = get(suffix)) {
      auto ms = parseDurationMs(*v);
      if (ms && *ms > 0) {
        *field = *ms;
      } else {
        bad(suffix, *v, "a positive duration such as 5s or 500ms");
      }
    }
  }
  for (auto [suffix, field] : {std::pair{"healthy-threshold", &h.healthyThreshold},
                               std::pair{"unhealthy-threshold", &h.unhealthyThreshold}}) {
    if (const std::string* v = get(suffix)) {
      uint32_t n = 0;
      auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
      if (ec == std::errc() && p == v->data() + v->size() && n >= 1 && n <= 100) {
        *field = n;
      } else {
        bad(suffix, *v, "a count from 1 to 100");
      }
    }
  }
  return h;
}

}  // namespace

BackendResolution resolveBackend(Context& ctx, std::string_view routeKind, std::string_view routeNamespace,
                                 const api::BackendObjectReference& ref, std::string_view field) {
  BackendResolution r;
  if (!ref.group.empty() || ref.kind != "Service") {
    r.reason = cond::kInvalidKind;
    r.message = fmt::format("{}: kind {}/{} is not supported (core Service only)", field,
                            ref.group.empty() ? "core" : ref.group, ref.kind);
    return r;
  }
  const std::string ns = ref.namespace_.value_or(std::string(routeNamespace));
  // Check the grant before existence: without a grant, never reveal whether
  // the referent exists (spec §12.14).
  if (!ctx.grants.permits({api::kGatewayGroup, routeKind, routeNamespace}, {"", "Service", ns, ref.name})) {
    r.reason = cond::kRefNotPermitted;
    r.message = fmt::format(
        "{}: Service {}/{} is in another namespace and no ReferenceGrant in namespace {} allows {} from "
        "namespace {} to reference it",
        field, ns, ref.name, ns, routeKind, routeNamespace);
    return r;
  }
  const api::Service* svc = ctx.snap.services.find(ns, ref.name);
  if (!svc) {
    r.reason = cond::kBackendNotFound;
    r.message = fmt::format("{}: Service {}/{} not found", field, ns, ref.name);
    return r;
  }
  if (svc->type == "ExternalName") {
    // The spec says ExternalName Services SHOULD NOT be supported
    // (BackendObjectReference docs): they would let a route reach any host.
    r.reason = cond::kBackendNotFound;
    r.message = fmt::format("{}: Service {}/{} is of type ExternalName, which Portico does not follow", field,
                            ns, ref.name);
    return r;
  }
  const api::ServicePort* sp = nullptr;
  for (const auto& p : svc->ports) {
    if (ref.port && p.port == *ref.port) sp = &p;
  }
  if (!sp) {
    r.reason = cond::kBackendNotFound;
    r.message = ref.port ? fmt::format("{}: Service {}/{} has no port {}", field, ns, ref.name, *ref.port)
                         : fmt::format("{}: port is required for a Service backend", field);
    return r;
  }
  const bool l4 = routeKind == "TCPRoute" || routeKind == "UDPRoute";
  const bool wantUDP = routeKind == "UDPRoute";
  if (l4 ? (wantUDP != (sp->protocol == "UDP")) : sp->protocol == "UDP") {
    r.reason = cond::kUnsupportedProtocol;
    r.message = fmt::format("{}: Service {}/{} port {} uses protocol {}, which a {} cannot carry", field, ns,
                            ref.name, sp->port, sp->protocol, routeKind);
    return r;
  }
  const std::string app = sp->appProtocol.value_or("");
  if (!appProtocolSupported(routeKind, app)) {
    r.reason = cond::kUnsupportedProtocol;
    r.message =
        fmt::format("{}: Service {}/{} port {} has appProtocol {}, which Portico cannot speak for a {}",
                    field, ns, ref.name, sp->port, app, routeKind);
    return r;
  }
  r.cluster = fmt::format("{}/{}:{}", ns, ref.name, sp->port);
  ClusterUse use{r.cluster, ns, svc, sp};
  ensureCluster(ctx, use);
  if (ctx.clusterUses) ctx.clusterUses->push_back(std::move(use));
  return r;
}

void ensureCluster(Context& ctx, const ClusterUse& use) {
  // Every backend of every route comes here: the port object names its
  // cluster, so a repeat costs one pointer lookup, not a name comparison.
  if (!ctx.clusterPorts.insert(use.port).second) return;
  auto [it, fresh] = ctx.out.ir.clusters.try_emplace(use.cluster);
  if (!fresh) return;
  const api::Service& svc = *use.service;
  const api::ServicePort& sp = *use.port;
  ir::Cluster& c = it->second;
  c.name = use.cluster;
  c.serviceNamespace = use.namespace_;
  c.serviceName = svc.meta.name;
  c.port = sp.port;
  c.portName = sp.name.value_or("");
  c.appProtocol = sp.appProtocol.value_or("");
  c.loadBalancer = loadBalancerOf(ctx, svc);
  c.healthCheck = healthCheckOf(ctx, svc);
  fillEndpoints(ctx, c, svc, sp);
}

}  // namespace portico::translate
