#include "run/carry_forward.h"

#include <functional>

namespace portico::run {
namespace {

// Calls f(kindName, nextTable, previousTable) for every kind.
template <class F>
void forEachKind(store::Snapshot& n, const store::Snapshot& p, F&& f) {
  f("GatewayClass", n.gatewayClasses, p.gatewayClasses);
  f("Gateway", n.gateways, p.gateways);
  f("ListenerSet", n.listenerSets, p.listenerSets);
  f("HTTPRoute", n.httpRoutes, p.httpRoutes);
  f("GRPCRoute", n.grpcRoutes, p.grpcRoutes);
  f("TLSRoute", n.tlsRoutes, p.tlsRoutes);
  f("TCPRoute", n.tcpRoutes, p.tcpRoutes);
  f("UDPRoute", n.udpRoutes, p.udpRoutes);
  f("ReferenceGrant", n.referenceGrants, p.referenceGrants);
  f("BackendTLSPolicy", n.backendTLSPolicies, p.backendTLSPolicies);
  f("XBackendTrafficPolicy", n.backendTrafficPolicies, p.backendTrafficPolicies);
  f("Service", n.services, p.services);
  f("EndpointSlice", n.endpointSlices, p.endpointSlices);
  f("Secret", n.secrets, p.secrets);
  f("ConfigMap", n.configMaps, p.configMaps);
  f("Namespace", n.namespaces, p.namespaces);
  f("CustomResourceDefinition", n.crds, p.crds);
}

}  // namespace

size_t carryForward(store::Snapshot& next, const store::Snapshot& previous,
                    const api::Diagnostics& diagnostics) {
  size_t carried = 0;
  for (const auto& d : diagnostics) {
    if (d.severity != api::Severity::Error) continue;
    const bool named = !d.kind.empty() && !d.name.empty();
    forEachKind(next, previous, [&](std::string_view kind, auto& nt, const auto& pt) {
      if (named) {
        if (kind != d.kind) return;
        if (nt.find(d.namespace_, d.name)) return;  // e.g. a duplicate: the first one stays
        if (auto old = pt.findPtr(d.namespace_, d.name)) {
          nt.insert(old);
          ++carried;
        }
        return;
      }
      // Unreadable file or malformed document: keep what it held before.
      for (const auto& [key, obj] : pt) {
        const auto& src = obj->meta.source;
        if (src.file != d.file || (d.document > 0 && src.document != d.document)) continue;
        if (nt.find(obj->meta.namespace_, obj->meta.name)) continue;
        nt.insert(obj);
        ++carried;
      }
    });
  }
  return carried;
}

}  // namespace portico::run
