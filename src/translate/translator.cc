// translate(): snapshot in, status + IR out. The steps live in their own
// files; this one creates a status entry for every Gateway API object
// (the CRD default where Portico is not the controller) and runs them.
#include "translate/translator.h"

#include "translate/conditions.h"
#include "translate/context.h"
#include "translate/route_memo.h"

namespace portico::translate {
namespace {

template <class T, class S>
void addAll(Context& ctx, api::Kind kind, const store::Table<T>& table, const S& initial) {
  for (const auto& [key, obj] : table) {
    status::ObjectStatus os;
    os.kind = kind;
    os.apiVersion = obj->apiVersion;
    os.namespace_ = obj->meta.namespace_;
    os.name = obj->meta.name;
    os.generation = obj->meta.generation;
    os.status = initial;
    ctx.out.status.objects.push_back(std::move(os));
    ctx.statusByObject[obj.get()] = &ctx.out.status.objects.back();
  }
}

// The CRDs' default status: what the API server holds before any
// controller writes (Accepted/Programmed Unknown, reason Pending).
std::vector<api::Condition> pendingConditions(bool programmed) {
  std::vector<api::Condition> c;
  setUnknown(c, cond::kAccepted, cond::kPending, "Waiting for controller", 0);
  if (programmed) setUnknown(c, cond::kProgrammed, cond::kPending, "Waiting for controller", 0);
  return c;
}

}  // namespace

Result translate(const store::Snapshot& snap, const Options& options, RouteMemo* memo) {
  Result result;
  Context ctx(snap, options, result);
  if (memo) {
    ctx.memo = &memo->impl();
    ctx.memo->begin(snap, options);
  }
  const size_t total = snap.gatewayClasses.size() + snap.gateways.size() + snap.listenerSets.size() +
                       snap.httpRoutes.size() + snap.grpcRoutes.size() + snap.tlsRoutes.size() +
                       snap.tcpRoutes.size() + snap.udpRoutes.size() + snap.referenceGrants.size() +
                       snap.backendTLSPolicies.size() + snap.backendTrafficPolicies.size();
  result.status.objects.reserve(total);  // pointers into it stay valid
  ctx.statusByObject.reserve(total);

  addAll(ctx, api::Kind::GatewayClass, snap.gatewayClasses,
         status::GatewayClassStatus{pendingConditions(false), {}});
  addAll(ctx, api::Kind::Gateway, snap.gateways, status::GatewayStatus{{}, pendingConditions(true), {}, 0});
  addAll(ctx, api::Kind::ListenerSet, snap.listenerSets,
         status::ListenerSetStatus{pendingConditions(true), {}});
  addAll(ctx, api::Kind::HTTPRoute, snap.httpRoutes, status::RouteStatus{});
  addAll(ctx, api::Kind::GRPCRoute, snap.grpcRoutes, status::RouteStatus{});
  addAll(ctx, api::Kind::TLSRoute, snap.tlsRoutes, status::RouteStatus{});
  addAll(ctx, api::Kind::TCPRoute, snap.tcpRoutes, status::RouteStatus{});
  addAll(ctx, api::Kind::UDPRoute, snap.udpRoutes, status::RouteStatus{});
  addAll(ctx, api::Kind::ReferenceGrant, snap.referenceGrants, std::monostate{});
  addAll(ctx, api::Kind::BackendTLSPolicy, snap.backendTLSPolicies, status::PolicyStatus{});
  addAll(ctx, api::Kind::XBackendTrafficPolicy, snap.backendTrafficPolicies, status::PolicyStatus{});

  translateGatewayClasses(ctx);
  translateGateways(ctx);
  translateRoutes(ctx);
  finishGateways(ctx);
  translatePolicies(ctx);
  assembleIR(ctx);
  if (ctx.memo) ctx.memo->end();
  return result;
}

}  // namespace portico::translate
