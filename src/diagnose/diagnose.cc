// diagnose(): translate, run every check in chain order, sort and filter.
#include "diagnose/diagnose.h"

#include <algorithm>
#include <map>
#include <set>

#include "diagnose/analysis.h"

namespace portico::diagnose {
namespace {

// Chain order of the object kinds, so the root of a problem (the class,
// the Gateway) is read before what it breaks downstream (routes, backends).
int chainRank(std::string_view kind) {
  static const std::vector<std::string_view> kOrder = {"CustomResourceDefinition",
                                                       "GatewayClass",
                                                       "Gateway",
                                                       "ListenerSet",
                                                       "Secret",
                                                       "HTTPRoute",
                                                       "GRPCRoute",
                                                       "TLSRoute",
                                                       "TCPRoute",
                                                       "UDPRoute",
                                                       "ReferenceGrant",
                                                       "Service",
                                                       "EndpointSlice",
                                                       "BackendTLSPolicy",
                                                       "File",
                                                       "Portico"};
  auto it = std::find(kOrder.begin(), kOrder.end(), kind);
  return static_cast<int>(it - kOrder.begin());
}

bool involves(const Finding& f, const std::string& ns) {
  if (f.object.namespace_ == ns) return true;
  return std::any_of(f.related.begin(), f.related.end(),
                     [&](const ObjectRef& r) { return r.namespace_ == ns; });
}

Summary summarise(const std::vector<Finding>& findings, int objects) {
  Summary s;
  s.objects = objects;
  for (const auto& f : findings) {
    switch (f.severity) {
      case Severity::Error:
        ++s.errors;
        break;
      case Severity::Warning:
        ++s.warnings;
        break;
      case Severity::Info:
        ++s.infos;
        break;
    }
  }
  return s;
}

template <class T>
void overlayTable(store::Table<T>& base, const store::Table<T>& change, int64_t& nextOrder) {
  std::vector<const T*> inOrder;  // new objects keep the change's own load order
  for (const auto& [key, obj] : change) inOrder.push_back(obj.get());
  std::sort(inOrder.begin(), inOrder.end(),
            [](const T* a, const T* b) { return a->meta.order < b->meta.order; });
  for (const T* obj : inOrder) {
    auto copy = std::make_shared<T>(*obj);
    if (const T* old = base.find(obj->meta.namespace_, obj->meta.name)) {
      copy->meta.order = old->meta.order;  // an edit keeps its place in load order
      base.erase(obj->meta.namespace_, obj->meta.name);
    } else {
      copy->meta.order = ++nextOrder;
    }
    base.insert(std::move(copy));
  }
}

template <class F>
void eachTable(store::Snapshot& base, const store::Snapshot& change, F&& f) {
  f("GatewayClass", base.gatewayClasses, change.gatewayClasses);
  f("Gateway", base.gateways, change.gateways);
  f("ListenerSet", base.listenerSets, change.listenerSets);
  f("HTTPRoute", base.httpRoutes, change.httpRoutes);
  f("GRPCRoute", base.grpcRoutes, change.grpcRoutes);
  f("TLSRoute", base.tlsRoutes, change.tlsRoutes);
  f("TCPRoute", base.tcpRoutes, change.tcpRoutes);
  f("UDPRoute", base.udpRoutes, change.udpRoutes);
  f("ReferenceGrant", base.referenceGrants, change.referenceGrants);
  f("BackendTLSPolicy", base.backendTLSPolicies, change.backendTLSPolicies);
  f("XBackendTrafficPolicy", base.backendTrafficPolicies, change.backendTrafficPolicies);
  f("Service", base.services, change.services);
  f("EndpointSlice", base.endpointSlices, change.endpointSlices);
  f("Secret", base.secrets, change.secrets);
  f("ConfigMap", base.configMaps, change.configMaps);
  f("Namespace", base.namespaces, change.namespaces);
  f("CustomResourceDefinition", base.crds, change.crds);
}

template <class T>
int64_t maxOrder(const store::Table<T>& t) {
  int64_t m = 0;
  for (const auto& [k, o] : t) m = std::max(m, o->meta.order);
  return m;
}

}  // namespace

Report diagnose(const source::LoadResult& input, const Options& options) {
  const translate::Result tr = translate::translate(input.snapshot, options.translate);
  detail::Analysis a(input, tr, options);
  detail::checkInputs(a);
  detail::checkClasses(a);
  detail::checkListeners(a);
  detail::checkTLS(a);
  detail::checkGatewayFallbacks(a);
  detail::checkAttachment(a);
  detail::checkReferences(a);
  detail::checkBackends(a);
  detail::checkRouting(a);
  detail::checkGRPC(a);
  detail::checkPolicies(a);
  detail::checkLive(a);

  Report report;
  std::set<std::string> seen;
  for (auto& f : a.findings) {
    if (!options.namespace_.empty() && !involves(f, options.namespace_)) continue;
    if (!seen.insert(f.key()).second) continue;  // one finding per identity
    report.findings.push_back(std::move(f));
  }
  std::stable_sort(report.findings.begin(), report.findings.end(), [](const Finding& x, const Finding& y) {
    if (x.severity != y.severity) return x.severity < y.severity;
    const int rx = chainRank(x.object.kind), ry = chainRank(y.object.kind);
    if (rx != ry) return rx < ry;
    if (x.object != y.object) return x.object < y.object;
    return x.field < y.field;
  });
  report.summary = summarise(report.findings, static_cast<int>(input.snapshot.objectCount()));
  if (options.live) {
    const LiveFacts& l = *options.live;
    report.live = LiveState{l.generation, l.appliedAt, l.trigger, l.reloadsOk, l.reloadsRejected};
  }
  return report;
}

Comparison compare(const Report& before, const Report& after) {
  Comparison c;
  std::set<std::string> beforeKeys, afterKeys;
  for (const auto& f : before.findings) beforeKeys.insert(f.key());
  for (const auto& f : after.findings) afterKeys.insert(f.key());
  for (const auto& f : after.findings) {
    (beforeKeys.count(f.key()) ? c.unchanged : c.introduced).push_back(f);
  }
  for (const auto& f : before.findings) {
    if (!afterKeys.count(f.key())) c.fixed.push_back(f);
  }
  c.before = before.summary;
  c.after = after.summary;
  return c;
}

source::LoadResult overlay(const source::LoadResult& base, const source::LoadResult& change) {
  source::LoadResult out = base;
  int64_t next = 0;
  // Objects the change holds (valid or rejected): their old version and its
  // diagnostics no longer apply.
  std::set<std::tuple<std::string, std::string, std::string>> replaced;
  for (const auto& d : change.diagnostics) {
    if (!d.name.empty()) replaced.emplace(d.kind, d.namespace_, d.name);
  }
  eachTable(out.snapshot, change.snapshot, [&](std::string_view kind, auto& b, const auto& c) {
    next = std::max(next, maxOrder(b));
    for (const auto& [key, obj] : c)
      replaced.emplace(std::string(kind), obj->meta.namespace_, obj->meta.name);
  });
  eachTable(out.snapshot, change.snapshot,
            [&](std::string_view, auto& b, const auto& c) { overlayTable(b, c, next); });
  std::erase_if(out.diagnostics, [&](const api::Diagnostic& d) {
    return !d.name.empty() && replaced.count({d.kind, d.namespace_, d.name}) > 0;
  });
  out.diagnostics.insert(out.diagnostics.end(), change.diagnostics.begin(), change.diagnostics.end());
  out.documents += change.documents;
  out.files.insert(out.files.end(), change.files.begin(), change.files.end());
  for (const auto& [k, n] : change.objectsByKind) out.objectsByKind[k] += n;
  return out;
}

}  // namespace portico::diagnose
