// Internal state of one diagnosis: the input, the translator's result and
// the helpers every check shares. Each check lives in its own file and
// appends findings here.
#pragma once

#include <ctime>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "diagnose/diagnose.h"
#include "translate/backends.h"
#include "translate/context.h"

namespace portico::diagnose::detail {

// Any route kind, seen through what every kind has.
struct RouteView {
  api::Kind kind{};
  std::string kindName;
  const api::ObjectMeta* meta = nullptr;
  const api::CommonRouteSpec* common = nullptr;
  const std::vector<std::string>* hostnames = nullptr;  // null for TCP/UDP
  const status::RouteStatus* status = nullptr;
  const api::HTTPRoute* http = nullptr;
  const api::GRPCRoute* grpc = nullptr;
  const api::L4Route* l4 = nullptr;

  ObjectRef ref() const { return {kindName, meta->namespace_, meta->name}; }
};

// A listener of a Gateway or of a ListenerSet, with its status.
struct ListenerView {
  const api::Gateway* gateway = nullptr;
  const api::ListenerSet* listenerSet = nullptr;  // null for the Gateway's own
  const api::Listener* spec = nullptr;
  const status::ListenerStatus* status = nullptr;  // null when not ours
  size_t index = 0;                                // in spec.listeners

  ObjectRef owner() const;
  std::string field() const;     // spec.listeners[i]
  std::string describe() const;  // listener "https" (HTTPS, port 443, hostname *.example.com)
};

class Analysis {
 public:
  Analysis(const source::LoadResult& input, const translate::Result& tr, const Options& options);

  const source::LoadResult& input;
  const store::Snapshot& snap;
  const translate::Result& tr;
  const Options& opt;
  std::time_t now;
  std::deque<Finding> findings;  // deque: add() references stay valid

  // A new finding with the catalog's severity for `code`.
  Finding& add(std::string_view code, ObjectRef object, std::string field = {});
  // Whether some finding of `code` (any code when empty) is on `object`.
  bool has(const ObjectRef& object, std::string_view code = {}) const;

  const std::string& controllerName() const { return opt.translate.controllerName; }
  bool ourClass(std::string_view className) const;
  bool ourGateway(const api::Gateway& gw) const { return ourClass(gw.gatewayClassName); }

  const status::GatewayClassStatus* classStatus(std::string_view name) const;
  const status::GatewayStatus* gatewayStatus(std::string_view ns, std::string_view name) const;
  const status::ListenerSetStatus* listenerSetStatus(std::string_view ns, std::string_view name) const;
  const status::PolicyStatus* policyStatus(api::Kind kind, std::string_view ns, std::string_view name) const;

  const std::vector<RouteView>& routes() const { return routes_; }
  const RouteView* route(std::string_view kind, std::string_view ns, std::string_view name) const;
  // Own listeners of a Gateway, then those of its ListenerSets.
  std::vector<ListenerView> listenersOf(const api::Gateway& gw) const;
  std::vector<ListenerView> allListeners() const;

  // The translator's own verdict on one backendRef (same function, same
  // messages), computed in a scratch translation context.
  translate::BackendResolution resolveBackend(std::string_view routeKind, std::string_view routeNamespace,
                                              const api::BackendObjectReference& ref, std::string_view field);
  // Cluster with its ready endpoints, for any backend resolveBackend() saw.
  const ir::Cluster* cluster(const std::string& name) const;
  const translate::NamespaceIndex& namespaces() const { return scratch_->namespaces; }
  const translate::ReferenceGrantIndex& grants() const { return scratch_->grants; }

 private:
  std::vector<RouteView> routes_;
  std::map<std::string, size_t, std::less<>> routeIndex_;  // "Kind/ns/name" -> routes_ index
  translate::Result scratchResult_;
  std::unique_ptr<translate::Context> scratch_;
};

// The checks, in chain order (each file holds one family).
void checkInputs(Analysis& a);            // inputs.cc: loader diagnostics, API versions, experimental fields
void checkClasses(Analysis& a);           // classes.cc: GatewayClass, Gateway-level conditions
void checkListeners(Analysis& a);         // listeners.cc
void checkTLS(Analysis& a);               // tls.cc
void checkGatewayFallbacks(Analysis& a);  // classes.cc: Gateways not serving with no finding yet
void checkAttachment(Analysis& a);        // attach.cc
void checkReferences(Analysis& a);        // refs.cc
void checkBackends(Analysis& a);          // backends.cc
void checkRouting(Analysis& a);           // routing.cc
void checkGRPC(Analysis& a);              // grpc.cc
void checkPolicies(Analysis& a);          // policies.cc
void checkLive(Analysis& a);              // live.cc: runtime facts (diagnose --admin)

}  // namespace portico::diagnose::detail
