#include "diagnose/analysis.h"

#include <fmt/format.h>

#include <algorithm>

namespace portico::diagnose::detail {
namespace {

template <class T>
void addRoutes(std::vector<RouteView>& out, const store::Table<T>& table, api::Kind kind,
               const status::StatusSet& status) {
  for (const auto& [key, r] : table) {
    RouteView v;
    v.kind = kind;
    v.kindName = std::string(api::kindName(kind));
    v.meta = &r->meta;
    v.common = &r->common;
    v.hostnames = (kind == api::Kind::TCPRoute || kind == api::Kind::UDPRoute) ? nullptr : &r->hostnames;
    if (const auto* os = status.find(kind, r->meta.namespace_, r->meta.name)) {
      v.status = std::get_if<status::RouteStatus>(&os->status);
    }
    if constexpr (std::is_same_v<T, api::HTTPRoute>) v.http = r.get();
    if constexpr (std::is_same_v<T, api::GRPCRoute>) v.grpc = r.get();
    if constexpr (std::is_base_of_v<api::L4Route, T>) v.l4 = r.get();
    out.push_back(v);
  }
}

}  // namespace

ObjectRef ListenerView::owner() const {
  if (listenerSet) return {"ListenerSet", listenerSet->meta.namespace_, listenerSet->meta.name};
  return {"Gateway", gateway->meta.namespace_, gateway->meta.name};
}

std::string ListenerView::field() const { return fmt::format("spec.listeners[{}]", index); }

std::string ListenerView::describe() const {
  std::string out = fmt::format("listener \"{}\" ({}, port {}", spec->name, spec->protocol, spec->port);
  if (spec->hostname) out += ", hostname " + *spec->hostname;
  out += ")";
  if (listenerSet)
    out += fmt::format(" of ListenerSet {}/{}", listenerSet->meta.namespace_, listenerSet->meta.name);
  return out;
}

Analysis::Analysis(const source::LoadResult& in, const translate::Result& result, const Options& options)
    : input(in),
      snap(in.snapshot),
      tr(result),
      opt(options),
      now(options.now ? options.now : std::time(nullptr)) {
  addRoutes(routes_, snap.httpRoutes, api::Kind::HTTPRoute, tr.status);
  addRoutes(routes_, snap.grpcRoutes, api::Kind::GRPCRoute, tr.status);
  addRoutes(routes_, snap.tlsRoutes, api::Kind::TLSRoute, tr.status);
  addRoutes(routes_, snap.tcpRoutes, api::Kind::TCPRoute, tr.status);
  addRoutes(routes_, snap.udpRoutes, api::Kind::UDPRoute, tr.status);
  for (size_t i = 0; i < routes_.size(); ++i) {
    routeIndex_.emplace(routes_[i].kindName + "/" + routes_[i].meta->namespace_ + "/" + routes_[i].meta->name,
                        i);
  }
  scratch_ = std::make_unique<translate::Context>(snap, opt.translate, scratchResult_);
}

Finding& Analysis::add(std::string_view code, ObjectRef object, std::string field) {
  Finding f;
  f.code = std::string(code);
  const CodeInfo* info = findCode(code);
  f.severity = info ? info->severity : Severity::Error;
  f.object = std::move(object);
  f.field = std::move(field);
  findings.push_back(std::move(f));
  return findings.back();
}

bool Analysis::has(const ObjectRef& object, std::string_view code) const {
  return std::any_of(findings.begin(), findings.end(), [&](const Finding& f) {
    return f.object == object && (code.empty() || f.code == code);
  });
}

bool Analysis::ourClass(std::string_view className) const {
  const api::GatewayClass* gc = snap.gatewayClasses.find("", className);
  return gc && gc->controllerName == controllerName();
}

const status::GatewayClassStatus* Analysis::classStatus(std::string_view name) const {
  const auto* os = tr.status.find(api::Kind::GatewayClass, "", name);
  return os ? std::get_if<status::GatewayClassStatus>(&os->status) : nullptr;
}

const status::GatewayStatus* Analysis::gatewayStatus(std::string_view ns, std::string_view name) const {
  const auto* os = tr.status.find(api::Kind::Gateway, ns, name);
  return os ? std::get_if<status::GatewayStatus>(&os->status) : nullptr;
}

const status::ListenerSetStatus* Analysis::listenerSetStatus(std::string_view ns,
                                                             std::string_view name) const {
  const auto* os = tr.status.find(api::Kind::ListenerSet, ns, name);
  return os ? std::get_if<status::ListenerSetStatus>(&os->status) : nullptr;
}

const status::PolicyStatus* Analysis::policyStatus(api::Kind kind, std::string_view ns,
                                                   std::string_view name) const {
  const auto* os = tr.status.find(kind, ns, name);
  return os ? std::get_if<status::PolicyStatus>(&os->status) : nullptr;
}

const RouteView* Analysis::route(std::string_view kind, std::string_view ns, std::string_view name) const {
  auto it = routeIndex_.find(fmt::format("{}/{}/{}", kind, ns, name));
  return it == routeIndex_.end() ? nullptr : &routes_[it->second];
}

std::vector<ListenerView> Analysis::listenersOf(const api::Gateway& gw) const {
  std::vector<ListenerView> out;
  const auto* gs = ourGateway(gw) ? gatewayStatus(gw.meta.namespace_, gw.meta.name) : nullptr;
  for (size_t i = 0; i < gw.listeners.size(); ++i) {
    ListenerView v{&gw, nullptr, &gw.listeners[i], nullptr, i};
    if (gs && i < gs->listeners.size()) v.status = &gs->listeners[i];
    out.push_back(v);
  }
  for (const auto& [key, ls] : snap.listenerSets) {
    const auto& p = ls->parentRef;
    if (p.kind != "Gateway" || p.name != gw.meta.name ||
        p.namespace_.value_or(ls->meta.namespace_) != gw.meta.namespace_) {
      continue;
    }
    const auto* st = gs ? listenerSetStatus(ls->meta.namespace_, ls->meta.name) : nullptr;
    for (size_t i = 0; i < ls->listeners.size(); ++i) {
      ListenerView v{&gw, ls.get(), &ls->listeners[i], nullptr, i};
      if (st && i < st->listeners.size()) v.status = &st->listeners[i];
      out.push_back(v);
    }
  }
  return out;
}

std::vector<ListenerView> Analysis::allListeners() const {
  std::vector<ListenerView> out;
  for (const auto& [key, gw] : snap.gateways) {
    auto v = listenersOf(*gw);
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

translate::BackendResolution Analysis::resolveBackend(std::string_view routeKind,
                                                      std::string_view routeNamespace,
                                                      const api::BackendObjectReference& ref,
                                                      std::string_view field) {
  return translate::resolveBackend(*scratch_, routeKind, routeNamespace, ref, field);
}

const ir::Cluster* Analysis::cluster(const std::string& name) const {
  if (auto it = scratchResult_.ir.clusters.find(name); it != scratchResult_.ir.clusters.end())
    return &it->second;
  if (auto it = tr.ir.clusters.find(name); it != tr.ir.clusters.end()) return &it->second;
  return nullptr;
}

}  // namespace portico::diagnose::detail
