// Internal state of one translation. Built and consumed inside
// translate(); nothing here outlives the call.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "api/diagnostic.h"
#include "ir/ir.h"
#include "status/types.h"
#include "store/snapshot.h"
#include "translate/namespaces.h"
#include "translate/precedence.h"
#include "translate/refgrant.h"
#include "translate/translator.h"

namespace portico::translate {

// One listener of a Gateway or of a ListenerSet attached to it.
struct ListenerInfo {
  const api::Gateway* gateway = nullptr;
  const api::ListenerSet* listenerSet = nullptr;  // null for the Gateway's own listeners
  const api::Listener* spec = nullptr;
  std::string ownerNamespace;  // namespace of the Gateway or ListenerSet
  std::string ownerKind;       // "Gateway" | "ListenerSet"
  std::string fieldPath;       // spec.listeners[i]
  int64_t generation = 1;      // owner's metadata.generation
  status::ListenerStatus* status = nullptr;
  size_t mergeOrder = 0;  // position in the Gateway's effective listener list

  ir::Protocol protocol = ir::Protocol::HTTP;
  bool protocolSupported = false;
  bool terminatesTLS = false;
  bool passthrough = false;
  std::vector<ir::Certificate> certificates;
  std::optional<ir::ClientValidation> clientValidation;  // Gateway.spec.tls.frontend, usable CAs only

  // Problems found, each as (reason, message); empty = fine.
  std::string acceptedReason, acceptedMessage;
  std::string resolvedReason, resolvedMessage;
  std::string conflictReason, conflictMessage;
  std::string programmedReason, programmedMessage;
  std::string overlapReason, overlapMessage;  // OverlappingTLSConfig
  bool conflictWithSibling = false;           // conflicted with a listener of the same owner

  bool accepted() const { return acceptedReason.empty() && conflictReason.empty(); }
  bool programmed = false;
  // Routes attached, counted once each (however many parentRefs or
  // hostnames reach this listener). All of one route's attachments are
  // made together (attach.cc), so a repeat is always of the route counted
  // last.
  size_t attachedRoutes = 0;
  const void* lastAttached = nullptr;

  ir::Listener* ir = nullptr;  // set when the listener is programmed
  // Position in Context::listenerOrder: names the listener across
  // translations of the same Gateways (RouteMemo attachments).
  uint32_t ordinal = 0;
};

struct GatewayInfo {
  const api::Gateway* gateway = nullptr;
  status::GatewayStatus* status = nullptr;
  std::string controllerName;
  bool accepted = false;
  // Own listeners first, then accepted ListenerSets' in merge order.
  std::vector<std::unique_ptr<ListenerInfo>> listeners;
  std::vector<std::string> addresses;  // bind addresses; empty = default
};

struct ListenerSetInfo {
  const api::ListenerSet* set = nullptr;
  status::ListenerSetStatus* status = nullptr;
  GatewayInfo* parent = nullptr;
  bool accepted = false;
  std::vector<ListenerInfo*> listeners;
};

struct ParsedCertificateMemo {
  bool ok = false;
  std::string error;
  std::vector<std::string> dnsNames;
};

// IR routes waiting for assembleIR(), per listener and hostname.
struct PendingRoute {
  RouteSortKey key;
  ir::Route route;
};

// A compiled route is shared by every listener and hostname it attaches
// to; assembleIR copies it out only for all but the last of them.
using SharedPendingRoute = std::shared_ptr<PendingRoute>;

struct PendingListener {
  // By intersected hostname (assembleIR sorts virtual hosts).
  std::unordered_map<std::string, std::vector<SharedPendingRoute>> http;
  std::unordered_map<std::string, std::vector<SharedPendingRoute>> grpc;
  std::vector<ir::L4Route> l4;
};

inline std::string nsName(std::string_view ns, std::string_view name) {
  std::string s(ns);
  s.push_back('/');
  s.append(name);
  return s;
}

// A cluster a backend reference resolved to (resolveBackend). A route taken
// from the RouteMemo replays its uses, which creates the same clusters (and
// the same warnings) its compile did.
struct ClusterUse {
  std::string cluster;
  std::string namespace_;
  const api::Service* service = nullptr;
  const api::ServicePort* port = nullptr;
};

struct Context {
  const store::Snapshot& snap;
  const Options& options;
  ReferenceGrantIndex grants;
  NamespaceIndex namespaces;
  Result& out;

  std::set<std::string> ourClasses;                     // GatewayClass names we own
  std::map<std::string, GatewayInfo> gateways;          // by ns/name (ours only)
  std::map<std::string, ListenerSetInfo> listenerSets;  // by ns/name (ours only)

  std::map<const ListenerInfo*, PendingListener> pending;
  // Memo tables: the same certificate or pattern is often used by many
  // objects (e.g. one wildcard certificate for every Gateway); parsing it
  // once per translation keeps translate time proportional to distinct
  // inputs. Keyed by content, so still a pure function of the snapshot.
  std::map<std::string, std::string> regexErrors;  // pattern -> RE2 error ("" = valid)
  std::map<std::pair<std::string, std::string>, ParsedCertificateMemo> certMemo;

  // Gateway ns/name -> the client certificate it presents to backends.
  std::map<std::string, ir::Certificate> backendClientCerts;
  // Gateways whose routes reference each Service (ns/name), for policy
  // ancestors.
  std::map<std::string, std::set<const api::Gateway*>> serviceGateways;
  // Every listener of our Gateways, Gateways in key order and each one's
  // listeners in order (set by translateRoutes).
  std::vector<ListenerInfo*> listenerOrder;

  // Service ports whose cluster ensureCluster made.
  std::unordered_set<const api::ServicePort*> clusterPorts;

  // Set while a route is compiled for the memo: resolveBackend appends.
  std::vector<ClusterUse>* clusterUses = nullptr;
  RouteMemo::Impl* memo = nullptr;  // null: compile every route

  // Each object's status entry, by the object's address (unique in a
  // snapshot), filled as we go.
  std::unordered_map<const void*, status::ObjectStatus*> statusByObject;
  status::ObjectStatus& statusOf(const void* object) { return *statusByObject.at(object); }

  // EndpointSlices by the Service they belong to ("ns/name" from the
  // kubernetes.io/service-name label), in snapshot order: each cluster
  // looks up its own instead of scanning every slice (which made
  // translate quadratic in Services).
  std::map<std::string, std::vector<const api::EndpointSlice*>, std::less<>> slicesByService;

  Context(const store::Snapshot& s, const Options& o, Result& r)
      : snap(s), options(o), grants(s), namespaces(s), out(r) {
    for (const auto& [key, slice] : s.endpointSlices) {
      slicesByService[nsName(slice->meta.namespace_, slice->serviceName())].push_back(slice.get());
    }
  }

  void warn(std::string kind, const api::ObjectMeta& meta, std::string field, std::string message) {
    api::Diagnostic d;
    d.severity = api::Severity::Warning;
    d.file = meta.source.file;
    d.document = meta.source.document;
    d.line = meta.source.line;
    d.kind = std::move(kind);
    d.namespace_ = meta.namespace_;
    d.name = meta.name;
    d.field = std::move(field);
    d.message = std::move(message);
    out.diagnostics.push_back(std::move(d));
  }
};

// Steps of the translation, in the order translate() runs them.
void translateGatewayClasses(Context& ctx);
void translateGateways(Context& ctx);  // listeners, conflicts, listener sets
void translateRoutes(Context& ctx);    // attachment, rules, IR routes
void finishGateways(Context& ctx);     // attachedRoutes, Gateway conditions
void translatePolicies(Context& ctx);  // BackendTLSPolicy, XBackendTrafficPolicy
void assembleIR(Context& ctx);         // binds, sorting

}  // namespace portico::translate
