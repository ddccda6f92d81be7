#include "conformance/status_checks.h"

#include <fmt/format.h>

#include "api/kinds.h"
#include "conformance/json_fields.h"
#include "status/status_json.h"

namespace portico::conformance {
namespace {

using nlohmann::json;

const json& conditionsOf(const json& j) {
  static const json kEmpty = json::array();
  const json& c = field(j, "conditions");
  return c.is_array() ? c : kEmpty;
}

const json& statusOf(const json& item) { return field(item, "status"); }

int64_t generationOf(const json& item) {
  const json& g = field(field(item, "metadata"), "generation");
  return g.is_number_integer() ? g.get<int64_t>() : 0;
}

std::string describe(const json& conds) {
  std::string out;
  for (const auto& c : conds)
    out += fmt::format("[{}={} {}] ", str(c, "type"), str(c, "status"), str(c, "reason"));
  return out.empty() ? "[none]" : out;
}

// Every expected condition is present (empty status/reason = any).
std::string includes(const json& actual, const json& expected) {
  for (const auto& e : expected) {
    const std::string type = str(e, "type"), status = str(e, "status"), reason = str(e, "reason");
    bool found = false;
    for (const auto& c : actual) {
      if (str(c, "type") == type && (status.empty() || str(c, "status") == status) &&
          (reason.empty() || str(c, "reason") == reason)) {
        found = true;
      }
    }
    if (!found) return fmt::format("want {}={} {}, have {}", type, status, reason, describe(actual));
  }
  return {};
}

// Conditions are current when they observed the object's generation.
std::string current(const json& conds, int64_t generation) {
  for (const auto& c : conds) {
    const json& og = field(c, "observedGeneration");
    const int64_t observed = og.is_number_integer() ? og.get<int64_t>() : 0;
    if (observed != generation) {
      return fmt::format("{} has observedGeneration {} but generation is {}", str(c, "type"), observed,
                         generation);
    }
  }
  return {};
}

// Routes: every parent entry; policies: every ancestor; else the object's.
std::string allCurrent(const json& item) {
  const int64_t gen = generationOf(item);
  const json& st = statusOf(item);
  if (st.contains("parents")) {
    for (const auto& p : st["parents"]) {
      if (auto e = current(conditionsOf(p), gen); !e.empty())
        return "parent " + str(field(p, "parentRef"), "name") + ": " + e;
    }
    return {};
  }
  if (st.contains("ancestors")) {
    for (const auto& a : st["ancestors"]) {
      if (auto e = current(conditionsOf(a), gen); !e.empty())
        return "ancestor " + str(field(a, "ancestorRef"), "name") + ": " + e;
    }
    return {};
  }
  return current(conditionsOf(st), gen);
}

bool refMatches(const json& ref, const json& parent) {
  if (str(ref, "name") != str(parent, "name")) return false;
  const std::string ns = str(ref, "namespace");
  return ns.empty() || ns == str(parent, "namespace");
}

const json& listenersOf(const json& item) {
  static const json kEmpty = json::array();
  const json& l = field(statusOf(item), "listeners");
  return l.is_array() ? l : kEmpty;
}

std::string checkListeners(const json& item, const json& check) {
  const json& ls = listenersOf(item);
  const json& want = check["listeners"];
  if (ls.size() != want.size()) return fmt::format("want {} listeners, have {}", want.size(), ls.size());
  for (const auto& w : want) {
    const json* l = nullptr;
    for (const auto& x : ls) {
      if (str(x, "name") == str(w, "name")) l = &x;
    }
    if (!l) return "no listener " + str(w, "name");
    const std::string name = str(*l, "name");
    const int64_t attached =
        field(*l, "attachedRoutes").is_number_integer() ? (*l)["attachedRoutes"].get<int64_t>() : 0;
    if (attached != w.value("attachedRoutes", 0)) {
      return fmt::format("listener {}: attachedRoutes {} want {}", name, attached,
                         w.value("attachedRoutes", 0));
    }
    if (auto e = includes(conditionsOf(*l), w["conditions"]); !e.empty())
      return "listener " + name + ": " + e;
    const json& kinds = w["supportedKinds"];
    const json& have = field(*l, "supportedKinds");
    if (kinds.empty() && have.is_array() && !have.empty())
      return "listener " + name + ": supportedKinds must be empty";
    for (const auto& k : kinds) {
      std::string group = str(k, "group");
      if (group.empty()) group = api::kGatewayGroup;
      bool found = false;
      for (const auto& s : have.is_array() ? have : json::array()) {
        std::string g = str(s, "group");
        if (g.empty()) g = api::kGatewayGroup;
        found = found || (g == group && str(s, "kind") == str(k, "kind"));
      }
      if (!found) return "listener " + name + ": supportedKinds lacks " + str(k, "kind");
    }
  }
  return current(conditionsOf(statusOf(item)), generationOf(item));
}

std::string listenerConditions(const json& item, const json& check) {
  const json& ls = listenersOf(item);
  const json& names = check["listenerNames"];
  for (const auto& l : ls) {
    bool wanted = names.is_null();
    for (const auto& n : names.is_null() ? json::array() : names)
      wanted = wanted || n.get<std::string>() == str(l, "name");
    if (!wanted) continue;
    if (auto e = includes(conditionsOf(l), check["conditions"]); !e.empty())
      return "listener " + str(l, "name") + ": " + e;
  }
  if (!names.is_null()) {
    for (const auto& n : names) {
      bool found = false;
      for (const auto& l : ls) found = found || str(l, "name") == n.get<std::string>();
      if (!found) return "no listener " + n.get<std::string>();
    }
  }
  return {};
}

std::string namespacesReady(const json& check, const StatusView& status, const store::Snapshot& snap) {
  for (const auto& ns : check["namespaces"]) {
    for (const auto& [key, gw] : snap.gateways) {
      if (gw->meta.namespace_ != ns.get<std::string>()) continue;
      auto ann = gw->meta.annotations.find("gateway-api/skip-this-for-readiness");
      if (ann != gw->meta.annotations.end() && ann->second == "true") continue;
      const json* item = status.find("Gateway", gw->meta.namespace_, gw->meta.name);
      if (!item) return "Gateway " + key + " has no status";
      const json want = json::array(
          {{{"type", "Accepted"}, {"status", "True"}}, {{"type", "Programmed"}, {"status", "True"}}});
      const json& conds = conditionsOf(statusOf(*item));
      if (auto e = includes(conds, want); !e.empty()) return "Gateway " + key + " not ready: " + e;
      if (auto e = current(conds, generationOf(*item)); !e.empty()) return "Gateway " + key + ": " + e;
    }
  }
  return {};
}

// parentCondition / ancestorCondition: every entry current, and one entry
// for the parent carries the conditions.
std::string entryCondition(const json& item, const json& check, const char* list, const char* refKey) {
  if (auto e = allCurrent(item); !e.empty()) return e;
  std::string last = "no " + std::string(refKey) + " " + str(check["parent"], "name");
  const json& entries = field(statusOf(item), list);
  for (const auto& p : entries.is_array() ? entries : json::array()) {
    if (!refMatches(field(p, refKey), check["parent"])) continue;
    last = includes(conditionsOf(p), check["conditions"]);
    if (last.empty()) return {};
  }
  return last;
}

// RouteMustHaveParents: a strict RouteParentStatus match.
std::string strictParent(const json& item, const json& check, const std::string& controllerName) {
  const json& parent = check["parent"];
  if (str(item, "kind") != "TLSRoute") {
    if (auto e = allCurrent(item); !e.empty()) return e;
  }
  std::string last = "no matching parent entry for " + str(parent, "name");
  const json& parents = field(statusOf(item), "parents");
  for (const auto& p : parents.is_array() ? parents : json::array()) {
    const json& ref = field(p, "parentRef");
    if (str(p, "controllerName") != controllerName) continue;
    if (str(ref, "group") != str(parent, "group") || str(ref, "kind") != str(parent, "kind")) continue;
    if (!ref.contains("group") || !ref.contains("kind")) continue;  // must be set explicitly
    if (str(ref, "name") != str(parent, "name")) continue;
    const std::string ns = str(ref, "namespace");
    if (!(ns == str(parent, "namespace") || (ns.empty() && !check.value("namespaceRequired", false))))
      continue;
    last = includes(conditionsOf(p), check["conditions"]);
    if (last.empty()) return {};
  }
  return last;
}

}  // namespace

StatusView::StatusView(const json& list) {
  for (const auto& item : field(list, "items")) {
    const json& meta = field(item, "metadata");
    items_[{str(item, "kind"), str(meta, "namespace"), str(meta, "name")}] = item;
  }
}

const json* StatusView::find(const std::string& kind, const std::string& ns, const std::string& name) const {
  auto it = items_.find({kind, ns, name});
  return it == items_.end() ? nullptr : &it->second;
}

json statusList(const translate::Result& result) {
  status::DocumentOptions opts;
  opts.lastTransitionTime = "2026-01-01T00:00:00Z";
  opts.pretty = false;
  return json::parse(status::renderKubeList(result.status, opts));
}

std::string evaluate(const json& check, const StatusView& status, const store::Snapshot& snap,
                     const std::string& controllerName) {
  const std::string type = str(check, "check");
  if (type == "namespacesReady") return namespacesReady(check, status, snap);
  if (type == "statusAddresses") return {};  // manual in cases.json: needs usable/unusable address flags

  const std::string kind = str(check, "kind");
  const json* item = status.find(kind, str(check, "namespace"), str(check, "name"));
  if (!item)
    return fmt::format("{} {}/{} has no status (rejected at load?)", kind, str(check, "namespace"),
                       str(check, "name"));
  const json& st = statusOf(*item);

  if (type == "condition") {
    if (auto e = includes(conditionsOf(st), check["conditions"]); !e.empty()) return e;
    return current(conditionsOf(st), generationOf(*item));
  }
  if (type == "latestObservedGeneration") return allCurrent(*item);
  if (type == "addressAssigned") {
    bool typed = false;
    for (const auto& a : field(st, "addresses").is_array() ? st["addresses"] : json::array())
      typed = typed || !str(a, "type").empty();
    if (!typed) return "status.addresses has no typed entry";
    return allCurrent(*item);
  }
  if (type == "attachedListenerSets") {
    const json& n = field(st, "attachedListenerSets");
    const int64_t have = n.is_number_integer() ? n.get<int64_t>() : 0;
    if (have != check.value("attachedListenerSets", 0)) {
      return fmt::format("attachedListenerSets {} want {}", have, check.value("attachedListenerSets", 0));
    }
    return allCurrent(*item);
  }
  if (type == "zeroRoutes") {
    const json& ls = listenersOf(*item);
    if (!ls.empty() && !(ls.size() == 1 && field(ls[0], "attachedRoutes") == 0)) {
      return fmt::format("want no attached routes, listeners: {}", ls.size());
    }
    return allCurrent(*item);
  }
  if (type == "listeners") return checkListeners(*item, check);
  if (type == "listenerConditions") return listenerConditions(*item, check);
  if (type == "ancestorCondition") return entryCondition(*item, check, "ancestors", "ancestorRef");
  if (type == "noAcceptedParents") {
    const json& parents = field(st, "parents");
    if (!parents.is_array() || parents.empty()) return {};
    if (parents.size() == 1) {
      const json& c = conditionsOf(parents[0]);
      if (includes(c, json::array({{{"type", "Accepted"}, {"status", "False"}}})).empty() &&
          current(c, generationOf(*item)).empty()) {
        return {};
      }
    }
    return fmt::format("want no accepted parents, have {} parents", parents.size());
  }
  if (type == "parentCondition") return entryCondition(*item, check, "parents", "parentRef");
  if (type == "parent") return strictParent(*item, check, controllerName);
  return "unknown check type " + type;
}

}  // namespace portico::conformance
