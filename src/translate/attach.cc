// Route attachment (spec §12.4, §11 "Routes"): every parentRef is judged on
// its own; accepted routes feed their compiled rules to the listeners they
// attach to, under each intersected hostname.
#include <fmt/format.h>

#include <algorithm>

#include "translate/backends.h"
#include "translate/conditions.h"
#include "translate/hostname.h"
#include "translate/ordering.h"
#include "translate/route_memo.h"
#include "translate/routes.h"

namespace portico::translate {
namespace {

struct RouteView {
  std::string_view kind;
  const api::ObjectMeta& meta;
  const api::CommonRouteSpec& common;
  const std::vector<std::string>* hostnames;  // null for TCP/UDP
  status::RouteStatus& status;
  RouteMemo::Impl::Attachment* record = nullptr;  // set: what attach does is recorded for the memo
};

bool kindSupported(const ListenerInfo& l, std::string_view kind) {
  for (const auto& k : l.status->supportedKinds) {
    if (k.group == api::kGatewayGroup && k.kind == kind) return true;
  }
  return false;
}

// Hostnames the route serves on this listener; empty optional = none.
std::optional<std::vector<std::string>> intersect(const ListenerInfo& l,
                                                  const std::vector<std::string>* route) {
  const std::string lh = l.spec->hostname.value_or("");
  std::vector<std::string> out;
  if (!route || route->empty()) {
    out.push_back(lh.empty() ? "*" : lh);
    return out;
  }
  for (const auto& h : *route) {
    if (auto i = intersectHostnames(lh, h)) {
      if (std::find(out.begin(), out.end(), *i) == out.end()) out.push_back(*i);
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

void feed(Context& ctx, const ListenerInfo& l, const RouteView& rv, const CompiledRoute& cr,
          const std::vector<std::string>& hosts) {
  auto& pending = ctx.pending[&l];
  if (rv.kind == "HTTPRoute" || rv.kind == "GRPCRoute") {
    auto& bucket = cr.grpc ? pending.grpc : pending.http;
    for (const auto& h : hosts) {
      auto& v = bucket[h];
      v.insert(v.end(), cr.routes.begin(), cr.routes.end());
    }
    return;
  }
  ir::L4Route r;
  r.routeKind = std::string(rv.kind);
  r.routeNamespace = rv.meta.namespace_;
  r.routeName = rv.meta.name;
  if (rv.hostnames) r.hostnames = hosts;
  r.backends = cr.l4Backends;
  pending.l4.push_back(std::move(r));
}

// An accepting listener counts the route, serves it when programmed, and
// becomes an ancestor of policies on its Services.
void accept(Context& ctx, ListenerInfo& l, const RouteView& rv, const CompiledRoute& cr,
            const std::vector<std::string>& hosts) {
  if (l.lastAttached != &rv.meta) {
    l.lastAttached = &rv.meta;
    ++l.attachedRoutes;
  }
  if (l.programmed) feed(ctx, l, rv, cr, hosts);
  for (const auto& svc : cr.services) ctx.serviceGateways[svc].insert(l.gateway);
}

void attachParent(Context& ctx, const RouteView& rv, const CompiledRoute& cr,
                  const api::ParentReference& pr) {
  if (pr.group != api::kGatewayGroup) return;  // e.g. a mesh Service parent: not ours
  const std::string ns = pr.namespace_.value_or(rv.meta.namespace_);
  const std::string key = nsName(ns, pr.name);
  std::vector<ListenerInfo*> candidates;
  std::string controller;
  std::string parentProblem;
  bool gatewayPending = false;
  if (pr.kind == "Gateway") {
    auto it = ctx.gateways.find(key);
    if (it == ctx.gateways.end()) return;  // unknown or someone else's Gateway: write nothing
    controller = it->second.controllerName;
    if (!it->second.accepted) gatewayPending = true;
    for (auto& l : it->second.listeners) {
      if (!l->listenerSet) candidates.push_back(l.get());  // a Gateway parentRef never reaches set listeners
    }
  } else if (pr.kind == "ListenerSet") {
    auto it = ctx.listenerSets.find(key);
    if (it == ctx.listenerSets.end()) return;
    controller = it->second.parent->controllerName;
    if (!it->second.accepted)
      parentProblem = fmt::format("ListenerSet {} is not accepted by its Gateway", key);
    candidates = it->second.listeners;
  } else {
    return;
  }

  status::RouteParentStatus ps;
  ps.parentRef = pr;
  ps.parentRef.namespace_ = ns;  // always set it (conformance requires it cross-namespace)
  ps.controllerName = controller;
  const int64_t gen = rv.meta.generation;

  std::vector<ListenerInfo*> selected;
  for (ListenerInfo* l : candidates) {
    if (pr.sectionName && l->spec->name != *pr.sectionName) continue;
    if (pr.port && l->spec->port != *pr.port) continue;
    selected.push_back(l);
  }

  std::string reason, message;
  std::vector<std::pair<ListenerInfo*, std::vector<std::string>>> accepted;
  if (!parentProblem.empty()) {
    reason = cond::kNoMatchingParent;
    message = parentProblem;
  } else if (selected.empty()) {
    reason = cond::kNoMatchingParent;
    if (pr.sectionName && pr.port) {
      message =
          fmt::format("{} {} has no listener named {} on port {}", pr.kind, key, *pr.sectionName, *pr.port);
    } else if (pr.sectionName) {
      message = fmt::format("{} {} has no listener named {}", pr.kind, key, *pr.sectionName);
    } else if (pr.port) {
      message = fmt::format("{} {} has no listener on port {}", pr.kind, key, *pr.port);
    } else {
      message = fmt::format("{} {} has no listeners", pr.kind, key);
    }
  } else {
    std::vector<std::string> refusals;
    bool hostnameOnly = false;
    for (ListenerInfo* l : selected) {
      if (!kindSupported(*l, rv.kind)) {
        refusals.push_back(fmt::format("listener {} does not accept kind {}", l->spec->name, rv.kind));
        continue;
      }
      const auto& rn = l->spec->allowedRoutes.namespaces;
      if (!namespaceAllowed(rn, l->ownerNamespace, rv.meta.namespace_, ctx.namespaces)) {
        refusals.push_back(fmt::format(
            "listener {} allows routes from {} namespaces only (allowedRoutes."
            "namespaces.from: {}), not from {}",
            l->spec->name, rn.from == "Same" ? "its own" : "selected", rn.from, rv.meta.namespace_));
        continue;
      }
      auto hosts = intersect(*l, rv.hostnames);
      if (!hosts) {
        hostnameOnly = true;
        refusals.push_back(fmt::format("listener {} hostname {} matches none of the route's hostnames",
                                       l->spec->name, l->spec->hostname.value_or("*")));
        continue;
      }
      accepted.emplace_back(l, std::move(*hosts));
    }
    if (accepted.empty()) {
      reason = hostnameOnly ? cond::kNoMatchingListenerHostname : cond::kNotAllowedByListeners;
      message = fmt::format("{}", fmt::join(refusals, "; "));
    } else if (cr.rules > 0 && cr.invalidRules == cr.rules) {
      reason = cr.invalidReason;
      message = cr.invalidMessage;
    }
  }

  if (reason.empty() && gatewayPending) {
    // The parent Gateway is ours but not accepted (e.g. InvalidParameters):
    // nothing is wrong with the route, which attaches once the Gateway is
    // fixed. Accepted=Unknown/Pending says exactly that, and the route is
    // not counted in attachedRoutes meanwhile.
    setUnknown(ps.conditions, cond::kAccepted, cond::kPending,
               fmt::format("Gateway {} is not accepted; the route attaches once it is", key), gen);
  } else if (reason.empty()) {
    // A route attached only to listeners that cannot serve is still
    // Accepted and counted (conformance counts attachedRoutes on invalid
    // listeners); say so, so nobody waits for traffic that cannot flow.
    std::vector<std::string> idle;
    for (auto& [l, hosts] : accepted) {
      if (!l->programmed) idle.push_back(l->spec->name);
    }
    std::string msg = fmt::format("attached to {} listener(s)", accepted.size());
    if (!idle.empty())
      msg += fmt::format("; not serving on {} (listener not programmed)", fmt::join(idle, ", "));
    setCondition(ps.conditions, cond::kAccepted, true, cond::kAccepted, msg, gen);
    for (auto& [l, hosts] : accepted) {
      accept(ctx, *l, rv, cr, hosts);
      if (rv.record) rv.record->accepted.push_back({l->ordinal, std::move(hosts)});
    }
  } else {
    setCondition(ps.conditions, cond::kAccepted, false, reason, message, gen);
  }
  if (cr.refReason.empty()) {
    setCondition(ps.conditions, cond::kResolvedRefs, true, cond::kResolvedRefs, "all references resolved",
                 gen);
  } else {
    setCondition(ps.conditions, cond::kResolvedRefs, false, cr.refReason, cr.refMessage, gen);
  }
  if (reason.empty() && cr.invalidRules > 0) {
    setCondition(ps.conditions, cond::kPartiallyInvalid, true, cr.invalidReason,
                 fmt::format("Dropped Rule(s): {} of {} rules are invalid; first: {}", cr.invalidRules,
                             cr.rules, cr.invalidMessage),
                 gen);
  }
  rv.status.parents.push_back(std::move(ps));
}

void attach(Context& ctx, const RouteView& rv, const CompiledRoute& cr) {
  for (const auto& pr : rv.common.parentRefs) attachParent(ctx, rv, cr, pr);
  // [EXP] GEP-3793 default Gateways: a route with useDefaultGateways is
  // claimed by every Gateway of the same defaultScope; allowedRoutes still
  // apply, parentRefs are not changed and the claim shows in status.parents.
  const std::string scope = rv.common.useDefaultGateways.value_or("None");
  if (scope == "None") return;
  for (const auto& [key, gw] : ctx.gateways) {
    if (gw.gateway->defaultScope.value_or("None") != scope) continue;
    bool listed = false;
    for (const auto& pr : rv.common.parentRefs) {
      listed = listed || (pr.kind == "Gateway" && pr.name == gw.gateway->meta.name &&
                          pr.namespace_.value_or(rv.meta.namespace_) == gw.gateway->meta.namespace_);
    }
    if (listed) continue;
    api::ParentReference ref;
    ref.name = gw.gateway->meta.name;
    ref.namespace_ = gw.gateway->meta.namespace_;
    attachParent(ctx, rv, cr, ref);
  }
}

template <class T>
status::RouteStatus& routeStatus(Context& ctx, const T& r) {
  return std::get<status::RouteStatus>(ctx.statusOf(&r).status);
}

// An HTTPRoute or GRPCRoute compiled and attached. With a RouteMemo that
// holds this very object, its compile is reused (replaying the clusters it
// created), and so is its attachment while the parents' side is unchanged.
template <class T, class Compile>
void translateRoute(Context& ctx, std::string_view kind, const std::shared_ptr<const T>& route,
                    Compile compile, CompiledRoute& scratch) {
  RouteView rv{kind, route->meta, route->common, &route->hostnames, routeStatus(ctx, *route)};
  if (!ctx.memo) {
    scratch = compile(ctx, *route);
    attach(ctx, rv, scratch);
    return;
  }
  RouteMemo::Impl::Entry* e = ctx.memo->find(route.get());
  if (e) {
    for (const auto& use : e->clusters) ensureCluster(ctx, use);
  } else {
    std::vector<ClusterUse> uses;
    ctx.clusterUses = &uses;
    CompiledRoute cr = compile(ctx, *route);
    ctx.clusterUses = nullptr;
    e = &ctx.memo->store(route, std::move(cr), std::move(uses));
  }
  if (e->attachment) {
    rv.status.parents = e->attachment->parents;
    for (const auto& use : e->attachment->accepted)
      accept(ctx, *ctx.listenerOrder.at(use.listener), rv, e->compiled, use.hosts);
    return;
  }
  rv.record = &e->attachment.emplace();
  attach(ctx, rv, e->compiled);
  rv.record->parents = rv.status.parents;
}

}  // namespace

void translateRoutes(Context& ctx) {
  for (auto& [key, gw] : ctx.gateways) {
    for (auto& l : gw.listeners) {
      l->ordinal = static_cast<uint32_t>(ctx.listenerOrder.size());
      ctx.listenerOrder.push_back(l.get());
    }
  }
  CompiledRoute scratch;
  for (const auto& [key, r] : ctx.snap.httpRoutes)
    translateRoute(ctx, "HTTPRoute", r, compileHTTPRoute, scratch);
  for (const auto& [key, r] : ctx.snap.grpcRoutes)
    translateRoute(ctx, "GRPCRoute", r, compileGRPCRoute, scratch);
  scratch = {};  // its routes must not be held when assembleIR moves them out
  // L4 routes reach each listener oldest first: where several claim the
  // same connections (two TCPRoutes on one listener, two TLSRoutes for one
  // SNI name) all are Accepted and counted, and the oldest serves
  // (conformance TCPRouteMultipleRoutesAttachment; spec's conflict rule).
  for (const auto* r : inCreationOrder(ctx.snap.tlsRoutes)) {
    CompiledRoute cr = compileL4Route(ctx, "TLSRoute", *r);
    attach(ctx, {"TLSRoute", r->meta, r->common, &r->hostnames, routeStatus(ctx, *r)}, cr);
  }
  for (const auto* r : inCreationOrder(ctx.snap.tcpRoutes)) {
    CompiledRoute cr = compileL4Route(ctx, "TCPRoute", *r);
    attach(ctx, {"TCPRoute", r->meta, r->common, nullptr, routeStatus(ctx, *r)}, cr);
  }
  for (const auto* r : inCreationOrder(ctx.snap.udpRoutes)) {
    CompiledRoute cr = compileL4Route(ctx, "UDPRoute", *r);
    attach(ctx, {"UDPRoute", r->meta, r->common, nullptr, routeStatus(ctx, *r)}, cr);
  }
}

}  // namespace portico::translate
