// gRPC reachability (spec §6: an HTTPS listener must offer HTTP/2 through
// ALPN, an HTTP listener h2c with prior knowledge; GEP-1911 appProtocol for
// the backend side). "GRPCRoute gives 404" in the users' guide (§5.1).
#include <fmt/format.h>

#include "diagnose/analysis.h"
#include "diagnose/text.h"
#include "translate/conditions.h"

namespace portico::diagnose::detail {
namespace {

// What this build's data plane speaks end to end: it serves HTTP/1.1 and
// HTTP/2 to clients (h2c and ALPN h2), but forwards every request over
// HTTP/1.1 (issue 5: upstream HTTP/2 is next), and gRPC backends answer
// only HTTP/2. Flip this when the data plane speaks h2c to backends.
constexpr bool kServesHttp2 = false;

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
    if (!kServesHttp2) {
      Finding& f = a.add("PD-GRPC-HTTP2-UNAVAILABLE", r.ref());
      f.symptom = requestsFor(r) + " fail (clients report UNAVAILABLE or a protocol error; curl sees 404)";
      f.cause =
          "gRPC runs only over HTTP/2 end to end. This Portico build accepts HTTP/2 from clients but forwards "
          "over HTTP/1.1, which gRPC backends refuse; the route is accepted but no call can succeed.";
      f.evidence.push_back({"object", "data plane protocols: HTTP/1.1 and HTTP/2 from clients, HTTP/1.1 to backends (upstream HTTP/2 is planned, issue 5)"});
      f.fix.summary =
          "Nothing to change in the manifests; serve this GRPCRoute with an HTTP/2-capable gateway until "
          "Portico speaks HTTP/2.";
    }
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
          f.symptom = fmt::format("{} to Service {}/{} may fail with 502: the backend speaks HTTP/2 only",
                                  requestsFor(r), ns, ref.name);
          f.cause = fmt::format(
              "Service port {} has no appProtocol, so nothing says the backend speaks HTTP/2 "
              "cleartext (GEP-1911: kubernetes.io/h2c).",
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
