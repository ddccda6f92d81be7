// What the data plane answers for valid routes whose backends cannot take
// the request (spec §12.7): a Service without ready endpoints (503), a
// rule without backends or with every weight 0 (500). Read from the IR the
// data plane serves.
#include <fmt/format.h>

#include <map>
#include <set>

#include "diagnose/analysis.h"
#include "diagnose/text.h"

namespace portico::diagnose::detail {
namespace {

struct Use {
  ObjectRef ref;
  std::string route;  // "HTTPRoute shop/store rule 0"
  std::string host;
  std::string share;  // "80%"
};

// Why a Service has no ready endpoint, from the EndpointSlices the input
// holds (the same selection as translate/backends.cc fillEndpoints).
void endpointEvidence(const Analysis& a, const ir::Cluster& c, Finding& f) {
  const api::Service* svc = a.snap.services.find(c.serviceNamespace, c.serviceName);
  int slices = 0;
  for (const auto& [key, s] : a.snap.endpointSlices) {
    if (s->meta.namespace_ != c.serviceNamespace || s->serviceName() != c.serviceName) continue;
    ++slices;
    int ready = 0, notReady = 0, terminating = 0;
    for (const auto& ep : s->endpoints) {
      const size_t n = ep.addresses.size();
      if (ep.conditions.ready.value_or(!ep.conditions.terminating.value_or(false))) {
        ready += static_cast<int>(n);
      } else if (ep.conditions.terminating.value_or(false)) {
        terminating += static_cast<int>(n);
      } else {
        notReady += static_cast<int>(n);
      }
    }
    std::vector<std::string> ports;
    bool portFound = false;
    for (const auto& p : s->ports) {
      ports.push_back(fmt::format("{}={}", p.name.value_or("\"\""), p.port.value_or(0)));
      portFound = portFound || p.name.value_or("") == c.portName;
    }
    f.evidence.push_back(
        {"endpoints", fmt::format("EndpointSlice {}/{} ({}): {} ready, {} not ready, {} terminating; "
                                  "ports {}",
                                  s->meta.namespace_, s->meta.name, s->addressType, ready, notReady,
                                  terminating, fmt::join(ports, ", "))});
    if (s->addressType == "FQDN") {
      f.cause += fmt::format(" EndpointSlice {} has addressType FQDN, which Portico cannot use (no DNS).",
                             s->meta.name);
    } else if (!portFound) {
      f.cause += fmt::format(
          " EndpointSlice {} has no port named \"{}\" (the Service port's name), so its "
          "endpoints do not serve port {}.",
          s->meta.name, c.portName, c.port);
    } else if (ready == 0 && notReady + terminating > 0) {
      f.cause += fmt::format(
          " EndpointSlice {} lists {} endpoint(s), none ready: the Pods fail their readiness "
          "probe or are shutting down.",
          s->meta.name, notReady + terminating);
    }
  }
  if (slices == 0) {
    f.cause +=
        fmt::format(" No EndpointSlice carries the label kubernetes.io/service-name={}.", c.serviceName);
    if (svc && svc->selector.empty()) {
      f.cause += " The Service has no selector, so nothing creates EndpointSlices for it automatically.";
    }
  }
  if (svc && !svc->selector.empty()) {
    std::vector<std::string> sel;
    for (const auto& [k, v] : svc->selector) sel.push_back(k + "=" + v);
    f.fix.commands.push_back(
        fmt::format("kubectl get pods -n {} -l {} -o wide", c.serviceNamespace, fmt::join(sel, ",")));
  }
  f.fix.commands.push_back(fmt::format("kubectl get endpointslices -n {} -l kubernetes.io/service-name={}",
                                       c.serviceNamespace, c.serviceName));
}

// Rules and hostnames of the IR that send traffic to each cluster.
std::map<std::string, std::vector<Use>> usesByCluster(const ir::Config& cfg) {
  std::map<std::string, std::vector<Use>> out;
  std::set<std::string> seen;
  for (const auto& b : cfg.binds) {
    for (const auto& l : b.listeners) {
      for (const auto& vh : l.virtualHosts) {
        for (const auto* routes : {&vh.routes, &vh.grpcRoutes}) {
          for (const auto& r : *routes) {
            uint64_t total = 0;
            for (const auto& be : r.backends) total += be.weight;
            for (const auto& be : r.backends) {
              if (be.cluster.empty() || be.weight == 0) continue;
              const std::string route =
                  fmt::format("{} {}/{} rule {}", r.routeKind, r.routeNamespace, r.routeName, r.ruleIndex);
              if (!seen.insert(be.cluster + "|" + route + "|" + vh.hostname).second) continue;
              out[be.cluster].push_back({{r.routeKind, r.routeNamespace, r.routeName},
                                         route,
                                         vh.hostname,
                                         fmt::format("{:.0f}%", 100.0 * be.weight / total)});
            }
          }
        }
      }
    }
  }
  return out;
}

void noEndpoints(Analysis& a) {
  if (a.snap.endpointSlices.empty()) {
    if (a.tr.ir.clusters.empty()) return;
    Finding& f = a.add("PD-BACKEND-ENDPOINTS-UNKNOWN", {"EndpointSlice", "", "*"});
    f.symptom = "every backend looks empty offline; whether Pods are ready is not checked";
    f.cause = "The input holds no EndpointSlice, so no backend has ready endpoints in this diagnosis.";
    f.fix.summary = "Include the cluster's EndpointSlices to check endpoints:";
    f.fix.commands.push_back("kubectl get endpointslices -A -o yaml > endpointslices.yaml");
    return;
  }
  const auto uses = usesByCluster(a.tr.ir);
  for (const auto& [name, c] : a.tr.ir.clusters) {
    if (!c.endpoints.empty()) continue;
    auto it = uses.find(name);
    if (it == uses.end()) continue;  // only mirrors or weight 0: nothing answers 503
    Finding& f = a.add("PD-BACKEND-NO-READY-ENDPOINTS", {"Service", c.serviceNamespace, c.serviceName},
                       fmt::format("spec.ports[port={}]", c.port));
    std::vector<std::string> where;
    for (const auto& u : it->second) {
      where.push_back(
          fmt::format("{} of requests for {} via {}", u.share, u.host == "*" ? "any host" : u.host, u.route));
      f.related.push_back(u.ref);
    }
    f.symptom = fmt::format("requests sent to {} get 503: {}", name, fmt::join(where, "; "));
    f.cause = fmt::format("Service {}/{} port {} has no ready endpoint.", c.serviceNamespace, c.serviceName,
                          c.port);
    endpointEvidence(a, c, f);
    f.fix.summary =
        "Make Pods behind the Service ready (check selector, readiness probes and EndpointSlice ports):";
  }
}

void emptyRules(Analysis& a) {
  std::set<std::string> seen;
  for (const auto& b : a.tr.ir.binds) {
    for (const auto& l : b.listeners) {
      for (const auto& vh : l.virtualHosts) {
        for (const auto* routes : {&vh.routes, &vh.grpcRoutes}) {
          for (const auto& r : *routes) {
            if (r.filters.redirect || r.directResponseStatus) continue;
            uint64_t total = 0;
            for (const auto& be : r.backends) total += be.weight;
            const bool none = r.backends.empty();
            if (!none && total > 0) continue;
            const std::string field = fmt::format("spec.rules[{}].backendRefs", r.ruleIndex);
            if (!seen.insert(r.routeKind + r.routeNamespace + r.routeName + field).second) continue;
            const RouteView* rv = a.route(r.routeKind, r.routeNamespace, r.routeName);
            Finding& f = a.add(none ? "PD-BACKEND-NONE" : "PD-BACKEND-ALL-WEIGHTS-ZERO",
                               {r.routeKind, r.routeNamespace, r.routeName}, field);
            f.symptom = (rv ? requestsFor(*rv, r.ruleIndex) : std::string("requests")) + " get 500";
            f.cause =
                none ? "The rule has no backendRefs and no filter that answers by itself (RequestRedirect), "
                       "so Portico answers 500 (spec §12.7, conformance HTTPRouteNoBackendRefs)."
                     : "Every backendRef of the rule has weight 0: no backend may take a request, so Portico "
                       "answers 500 (spec §12.7).";
            f.fix.summary = none ? "Add a backendRef (or a RequestRedirect filter) to the rule."
                                 : "Give at least one backendRef a weight above 0.";
            if (!none) {
              f.fix.target = {r.routeKind, r.routeNamespace, r.routeName};
              f.fix.patch.push_back(patchOp(
                  "replace", fmt::format("/spec/rules/{}/backendRefs/0/weight", r.ruleIndex), jsonInt(1)));
            }
          }
        }
      }
    }
  }
}

}  // namespace

void checkBackends(Analysis& a) {
  noEndpoints(a);
  emptyRules(a);
}

}  // namespace portico::diagnose::detail
