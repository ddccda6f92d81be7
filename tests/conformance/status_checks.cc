#include "conformance/status_checks.h"

#include <fmt/format.h>

#include <functional>

#include "api/kinds.h"

namespace portico::conformance {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return (it == j.end() || it->is_null()) ? std::string() : it->get<std::string>();
}

std::string describe(const std::vector<api::Condition>& conds) {
  std::string out;
  for (const auto& c : conds) out += fmt::format("[{}={} {}] ", c.type, c.status, c.reason);
  return out.empty() ? "[none]" : out;
}

// Every expected condition is present (empty status/reason = any).
std::string includes(const std::vector<api::Condition>& actual, const json& expected) {
  for (const auto& e : expected) {
    const std::string type = str(e, "type"), status = str(e, "status"), reason = str(e, "reason");
    bool found = false;
    for (const auto& c : actual) {
      if (c.type == type && (status.empty() || c.status == status) && (reason.empty() || c.reason == reason)) found = true;
    }
    if (!found) return fmt::format("want {}={} {}, have {}", type, status, reason, describe(actual));
  }
  return {};
}

std::string current(const std::vector<api::Condition>& conds, int64_t generation) {
  for (const auto& c : conds) {
    if (c.observedGeneration != generation) {
      return fmt::format("{} has observedGeneration {} but generation is {}", c.type, c.observedGeneration, generation);
    }
  }
  return {};
}

std::vector<api::Condition> objectConditions(const status::ObjectStatus& o) {
  if (auto* g = std::get_if<status::GatewayStatus>(&o.status)) return g->conditions;
  if (auto* c = std::get_if<status::GatewayClassStatus>(&o.status)) return c->conditions;
  if (auto* l = std::get_if<status::ListenerSetStatus>(&o.status)) return l->conditions;
  return {};
}

const std::vector<status::ListenerStatus>* listenersOf(const status::ObjectStatus& o) {
  if (auto* g = std::get_if<status::GatewayStatus>(&o.status)) return &g->listeners;
  if (auto* l = std::get_if<status::ListenerSetStatus>(&o.status)) return &l->listeners;
  return nullptr;
}

std::string allCurrent(const status::ObjectStatus& o) {
  if (auto* r = std::get_if<status::RouteStatus>(&o.status)) {
    for (const auto& p : r->parents) {
      if (auto e = current(p.conditions, o.generation); !e.empty()) return "parent " + p.parentRef.name + ": " + e;
    }
    return {};
  }
  if (auto* p = std::get_if<status::PolicyStatus>(&o.status)) {
    for (const auto& a : p->ancestors) {
      if (auto e = current(a.conditions, o.generation); !e.empty()) return "ancestor " + a.ancestorRef.name + ": " + e;
    }
    return {};
  }
  return current(objectConditions(o), o.generation);
}

bool parentMatches(const api::ParentReference& ref, const json& parent) {
  if (ref.name != str(parent, "name")) return false;
  return !ref.namespace_ || ref.namespace_->empty() || *ref.namespace_ == str(parent, "namespace");
}

std::string checkListeners(const status::ObjectStatus& o, const json& check) {
  const auto* ls = listenersOf(o);
  if (!ls) return "object has no listeners";
  const json& want = check["listeners"];
  if (ls->size() != want.size()) return fmt::format("want {} listeners, have {}", want.size(), ls->size());
  for (const auto& w : want) {
    const status::ListenerStatus* l = nullptr;
    for (const auto& x : *ls) {
      if (x.name == str(w, "name")) l = &x;
    }
    if (!l) return "no listener " + str(w, "name");
    if (l->attachedRoutes != w.value("attachedRoutes", 0)) {
      return fmt::format("listener {}: attachedRoutes {} want {}", l->name, l->attachedRoutes, w.value("attachedRoutes", 0));
    }
    if (auto e = includes(l->conditions, w["conditions"]); !e.empty()) return "listener " + l->name + ": " + e;
    const json& kinds = w["supportedKinds"];
    if (kinds.empty() && !l->supportedKinds.empty()) return "listener " + l->name + ": supportedKinds must be empty";
    for (const auto& k : kinds) {
      std::string group = str(k, "group");
      if (group.empty()) group = api::kGatewayGroup;
      bool found = false;
      for (const auto& s : l->supportedKinds) found = found || (s.group == group && s.kind == str(k, "kind"));
      if (!found) return "listener " + l->name + ": supportedKinds lacks " + str(k, "kind");
    }
  }
  return current(objectConditions(o), o.generation);
}

}  // namespace

std::string evaluate(const json& check, const translate::Result& result, const store::Snapshot& snap) {
  const std::string type = str(check, "check");
  if (type == "namespacesReady") {
    for (const auto& ns : check["namespaces"]) {
      for (const auto& [key, gw] : snap.gateways) {
        if (gw->meta.namespace_ != ns.get<std::string>()) continue;
        auto ann = gw->meta.annotations.find("gateway-api/skip-this-for-readiness");
        if (ann != gw->meta.annotations.end() && ann->second == "true") continue;
        const auto* o = result.status.find(api::Kind::Gateway, gw->meta.namespace_, gw->meta.name);
        auto conds = objectConditions(*o);
        json want = json::array({{{"type", "Accepted"}, {"status", "True"}}, {{"type", "Programmed"}, {"status", "True"}}});
        if (auto e = includes(conds, want); !e.empty()) return "Gateway " + key + " not ready: " + e;
        if (auto e = current(conds, o->generation); !e.empty()) return "Gateway " + key + ": " + e;
      }
    }
    return {};
  }
  if (type == "statusAddresses") return {};  // manual in cases.json: needs usable/unusable address flags

  auto kind = api::kindFromName(str(check, "kind"));
  if (!kind) return "unknown kind " + str(check, "kind");
  const auto* o = result.status.find(*kind, str(check, "namespace"), str(check, "name"));
  if (!o) return fmt::format("{} {}/{} not found (rejected at load?)", str(check, "kind"), str(check, "namespace"), str(check, "name"));

  if (type == "condition") {
    if (auto e = includes(objectConditions(*o), check["conditions"]); !e.empty()) return e;
    return current(objectConditions(*o), o->generation);
  }
  if (type == "latestObservedGeneration") return allCurrent(*o);
  if (type == "addressAssigned") {
    auto* g = std::get_if<status::GatewayStatus>(&o->status);
    if (!g || g->addresses.empty()) return "status.addresses is empty";
    return allCurrent(*o);
  }
  if (type == "attachedListenerSets") {
    auto* g = std::get_if<status::GatewayStatus>(&o->status);
    if (!g || g->attachedListenerSets != check.value("attachedListenerSets", 0)) {
      return fmt::format("attachedListenerSets {} want {}", g ? g->attachedListenerSets : -1, check.value("attachedListenerSets", 0));
    }
    return allCurrent(*o);
  }
  if (type == "zeroRoutes") {
    const auto* ls = listenersOf(*o);
    if (ls && !ls->empty() && !(ls->size() == 1 && (*ls)[0].attachedRoutes == 0)) {
      return fmt::format("want no attached routes, listeners: {}", ls->size());
    }
    return allCurrent(*o);
  }
  if (type == "listeners") return checkListeners(*o, check);
  if (type == "listenerConditions") {
    const auto* ls = listenersOf(*o);
    if (!ls) return "object has no listeners";
    const json& names = check["listenerNames"];
    for (const auto& l : *ls) {
      bool wanted = names.is_null();
      for (const auto& n : names.is_null() ? json::array() : names) wanted = wanted || n.get<std::string>() == l.name;
      if (!wanted) continue;
      if (auto e = includes(l.conditions, check["conditions"]); !e.empty()) return "listener " + l.name + ": " + e;
    }
    if (!names.is_null()) {
      for (const auto& n : names) {
        bool found = false;
        for (const auto& l : *ls) found = found || l.name == n.get<std::string>();
        if (!found) return "no listener " + n.get<std::string>();
      }
    }
    return {};
  }
  if (type == "ancestorCondition") {
    auto* p = std::get_if<status::PolicyStatus>(&o->status);
    if (!p) return "not a policy";
    if (auto e = allCurrent(*o); !e.empty()) return e;
    std::string last = "no ancestor " + str(check["parent"], "name");
    for (const auto& a : p->ancestors) {
      if (!parentMatches(a.ancestorRef, check["parent"])) continue;
      last = includes(a.conditions, check["conditions"]);
      if (last.empty()) return {};
    }
    return last;
  }
  auto* r = std::get_if<status::RouteStatus>(&o->status);
  if (!r) return "not a route";
  if (type == "noAcceptedParents") {
    if (r->parents.empty()) return {};
    if (r->parents.size() == 1) {
      const auto& c = r->parents[0].conditions;
      if (includes(c, json::array({{{"type", "Accepted"}, {"status", "False"}}})).empty() &&
          current(c, o->generation).empty()) {
        return {};
      }
    }
    return fmt::format("want no accepted parents, have {} parents", r->parents.size());
  }
  if (type == "parentCondition") {
    if (auto e = allCurrent(*o); !e.empty()) return e;
    std::string last = "no parent " + str(check["parent"], "name");
    for (const auto& p : r->parents) {
      if (!parentMatches(p.parentRef, check["parent"])) continue;
      last = includes(p.conditions, check["conditions"]);
      if (last.empty()) return {};
    }
    return last;
  }
  if (type == "parent") {
    const json& parent = check["parent"];
    if (*kind != api::Kind::TLSRoute) {
      if (auto e = allCurrent(*o); !e.empty()) return e;
    }
    std::string last = "no matching parent entry for " + str(parent, "name");
    for (const auto& p : r->parents) {
      if (p.controllerName != translate::kDefaultControllerName) continue;
      if (p.parentRef.group != str(parent, "group") || p.parentRef.kind != str(parent, "kind")) continue;
      if (p.parentRef.name != str(parent, "name")) continue;
      const std::string ns = p.parentRef.namespace_.value_or("");
      if (!(ns == str(parent, "namespace") || (ns.empty() && !check.value("namespaceRequired", false)))) continue;
      last = includes(p.conditions, check["conditions"]);
      if (last.empty()) return {};
    }
    return last;
  }
  return "unknown check type " + type;
}

}  // namespace portico::conformance
