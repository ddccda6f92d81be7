// A hand-built StatusSet covering every status shape, shared by the status
// writer tests. Objects are deliberately out of order.
#pragma once

#include "status/types.h"

namespace portico::testing {

inline api::Condition cond(std::string type, std::string status, std::string reason, std::string message,
                           int64_t gen = 1) {
  return api::Condition{std::move(type), std::move(status), std::move(reason), std::move(message), gen, ""};
}

inline status::StatusSet sampleStatus() {
  using namespace status;
  StatusSet set;

  ObjectStatus route;
  route.kind = api::Kind::HTTPRoute;
  route.apiVersion = "gateway.networking.k8s.io/v1";
  route.namespace_ = "default";
  route.name = "echo";
  route.generation = 3;
  RouteParentStatus parent;
  parent.parentRef.namespace_ = "default";
  parent.parentRef.name = "quickstart";
  parent.parentRef.sectionName = "http";
  parent.controllerName = "portico.dev/gateway-controller";
  parent.conditions = {
      cond("Accepted", "True", "Accepted", "Route is accepted", 3),
      cond("ResolvedRefs", "False", "BackendNotFound", "Service default/echo-v3 not found", 3)};
  route.status = RouteStatus{{parent}};
  set.objects.push_back(route);

  ObjectStatus gw;
  gw.kind = api::Kind::Gateway;
  gw.apiVersion = "gateway.networking.k8s.io/v1";
  gw.namespace_ = "default";
  gw.name = "quickstart";
  gw.generation = 2;
  GatewayStatus gs;
  gs.addresses = {{"IPAddress", "127.0.0.1"}};
  gs.conditions = {cond("Accepted", "True", "ListenersNotValid", "1 listener is invalid", 2),
                   cond("Programmed", "True", "Programmed", "", 2)};
  ListenerStatus http;
  http.name = "http";
  http.supportedKinds = {{api::kGatewayGroup, "HTTPRoute"}, {api::kGatewayGroup, "GRPCRoute"}};
  http.attachedRoutes = 2;
  http.conditions = {cond("Accepted", "True", "Accepted", "", 2),
                     cond("Programmed", "True", "Programmed", "", 2),
                     cond("ResolvedRefs", "True", "ResolvedRefs", "", 2)};
  ListenerStatus other;
  other.name = "other";
  other.supportedKinds = {{api::kGatewayGroup, "HTTPRoute"}};
  other.attachedRoutes = 1;
  other.conditions = {
      cond("Accepted", "False", "HostnameConflict", "", 2),
      cond("Programmed", "False", "HostnameConflict", "", 2),
      cond("ResolvedRefs", "True", "ResolvedRefs", "", 2),
      cond("Conflicted", "True", "HostnameConflict", "hostname shared with listener http", 2)};
  gs.listeners = {http, other};
  gw.status = gs;
  set.objects.push_back(gw);

  ObjectStatus grant;
  grant.kind = api::Kind::ReferenceGrant;
  grant.apiVersion = "gateway.networking.k8s.io/v1beta1";
  grant.namespace_ = "backends";
  grant.name = "allow-default";
  set.objects.push_back(grant);

  ObjectStatus policy;
  policy.kind = api::Kind::BackendTLSPolicy;
  policy.namespace_ = "default";
  policy.name = "echo-tls";
  PolicyAncestorStatus anc;
  anc.ancestorRef.namespace_ = "default";
  anc.ancestorRef.name = "quickstart";
  anc.controllerName = "portico.dev/gateway-controller";
  anc.conditions = {cond("Accepted", "True", "Accepted", "")};
  policy.status = PolicyStatus{{anc}};
  set.objects.push_back(policy);

  ObjectStatus gc;
  gc.kind = api::Kind::GatewayClass;
  gc.apiVersion = "gateway.networking.k8s.io/v1";
  gc.name = "portico";
  GatewayClassStatus gcs;
  gcs.conditions = {cond("Accepted", "True", "Accepted", "Handled by Portico")};
  gcs.supportedFeatures = {"Gateway", "HTTPRoute"};
  gc.status = gcs;
  set.objects.push_back(gc);

  return set;
}

}  // namespace portico::testing
