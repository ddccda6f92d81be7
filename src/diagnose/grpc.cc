// gRPC reachability (spec §6: an HTTPS listener must offer HTTP/2 through
// ALPN, an HTTP listener h2c with prior knowledge; GEP-1911 appProtocol for
// the backend side). "GRPCRoute gives 404" in the users' guide (§5.1).
// Portico's listeners always take HTTP/2 and it speaks h2c to every
// GRPCRoute backend (docs/grpc.md), so what is left to report is an
// undeclared backend protocol, which other clients of the port trip on.
#include <fmt/format.h>

#include "diagnose/analysis.h"
#include "diagnose/text.h"
#include "translate/conditions.h"

namespace portico::diagnose::detail {
namespace {

bool attached(const RouteView& r) {
  if (!r.status) return false;
  for (const auto& p : r.status->parents) {
    const auto* c = status::findCondition(p.conditions, translate::cond::kAccepted);
    if (c && c->status == "True") return true;
  }
  return false;
}

}  // namespace

void checkGRPC(Analysis& a) {
  for (const auto& r : a.routes()) {
    if (!r.grpc || !attached(r)) continue;
    for (size_t i = 0; i < r.grpc->rules.size(); ++i) {
      const auto& refs = r.grpc->rules[i].backendRefs;
      for (size_t j = 0; j < refs.size(); ++j) {
        const auto& ref = refs[j].ref;
        if (!ref.group.empty() || ref.kind != "Service" || !ref.port) continue;
        const std::string ns = ref.namespace_.value_or(r.meta->namespace_);
        const api::Service* svc = a.snap.services.find(ns, ref.name);
        if (!svc) continue;
        for (size_t k = 0; k < svc->ports.size(); ++k) {
          const auto& p = svc->ports[k];
          if (p.port != *ref.port || p.appProtocol) continue;
          Finding& f = a.add("PD-GRPC-BACKEND-PROTOCOL", {"Service", ns, ref.name},
                             fmt::format("spec.ports[{}].appProtocol", k));
          f.related.push_back(r.ref());
          f.symptom = fmt::format(
              "{} work through Portico; HTTPRoutes to Service {}/{} port {}, and other gateways, "
              "would use HTTP/1.1, which a gRPC server refuses",
              requestsFor(r), ns, ref.name, p.port);
          f.cause = fmt::format(
              "Service port {} has no appProtocol. Portico speaks HTTP/2 cleartext to every GRPCRoute "
              "backend, but nothing declares it for anyone else (GEP-1911: kubernetes.io/h2c).",
              p.port);
          f.fix.summary = "Declare the port's protocol:";
          f.fix.target = {"Service", ns, ref.name};
          f.fix.patch.push_back(
              patchOp("add", fmt::format("/spec/ports/{}/appProtocol", k), jsonString("kubernetes.io/h2c")));
        }
      }
    }
  }
}

}  // namespace portico::diagnose::detail
