#include "status/status_json.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>
#include <type_traits>

#include "status/yaml_emit.h"

namespace portico::status {
namespace {

using nlohmann::json;

// Field names follow the Gateway API Go types' json tags; optional fields
// tagged `omitempty` there are left out here when empty.

json conditionJson(const Condition& c, const std::string& now) {
  return json{{"type", c.type},
              {"status", c.status},
              {"reason", c.reason},
              {"message", c.message},
              {"observedGeneration", c.observedGeneration},
              {"lastTransitionTime", c.lastTransitionTime.empty() ? now : c.lastTransitionTime}};
}

json conditionsJson(const std::vector<Condition>& conds, const std::string& now) {
  json out = json::array();
  for (const auto& c : conds) out.push_back(conditionJson(c, now));
  return out;
}

json parentRefJson(const api::ParentReference& ref) {
  json out{{"group", ref.group}, {"kind", ref.kind}, {"name", ref.name}};
  if (ref.namespace_) out["namespace"] = *ref.namespace_;
  if (ref.sectionName) out["sectionName"] = *ref.sectionName;
  if (ref.port) out["port"] = *ref.port;
  return out;
}

json listenersJson(const std::vector<ListenerStatus>& listeners, const std::string& now) {
  json out = json::array();
  for (const auto& l : listeners) {
    json kinds = json::array();
    for (const auto& k : l.supportedKinds) kinds.push_back(json{{"group", k.group}, {"kind", k.kind}});
    out.push_back(json{{"name", l.name},
                       {"supportedKinds", std::move(kinds)},
                       {"attachedRoutes", l.attachedRoutes},
                       {"conditions", conditionsJson(l.conditions, now)}});
  }
  return out;
}

void putConditions(json& status, const std::vector<Condition>& conds, const std::string& now) {
  if (!conds.empty()) status["conditions"] = conditionsJson(conds, now);
}

json statusJson(const GatewayClassStatus& s, const std::string& now) {
  json out = json::object();
  putConditions(out, s.conditions, now);
  if (!s.supportedFeatures.empty()) {
    json features = json::array();
    for (const auto& f : s.supportedFeatures) features.push_back(json{{"name", f}});
    out["supportedFeatures"] = std::move(features);
  }
  return out;
}

json statusJson(const GatewayStatus& s, const std::string& now) {
  json out = json::object();
  if (!s.addresses.empty()) {
    json addrs = json::array();
    for (const auto& a : s.addresses) addrs.push_back(json{{"type", a.type}, {"value", a.value}});
    out["addresses"] = std::move(addrs);
  }
  putConditions(out, s.conditions, now);
  if (!s.listeners.empty()) out["listeners"] = listenersJson(s.listeners, now);
  if (s.attachedListenerSets > 0) out["attachedListenerSets"] = s.attachedListenerSets;
  return out;
}

json statusJson(const ListenerSetStatus& s, const std::string& now) {
  json out = json::object();
  putConditions(out, s.conditions, now);
  if (!s.listeners.empty()) out["listeners"] = listenersJson(s.listeners, now);
  return out;
}

json statusJson(const RouteStatus& s, const std::string& now) {
  json parents = json::array();  // required by the CRD, so present even when empty
  for (const auto& p : s.parents) {
    parents.push_back(json{{"parentRef", parentRefJson(p.parentRef)},
                           {"controllerName", p.controllerName},
                           {"conditions", conditionsJson(p.conditions, now)}});
  }
  return json{{"parents", std::move(parents)}};
}

json statusJson(const PolicyStatus& s, const std::string& now) {
  json ancestors = json::array();  // required by the CRD
  for (const auto& a : s.ancestors) {
    ancestors.push_back(json{{"ancestorRef", parentRefJson(a.ancestorRef)},
                             {"controllerName", a.controllerName},
                             {"conditions", conditionsJson(a.conditions, now)}});
  }
  return json{{"ancestors", std::move(ancestors)}};
}

json itemJson(const ObjectStatus& o, const std::string& now) {
  json meta{{"name", o.name}, {"generation", o.generation}};
  if (!api::isClusterScoped(o.kind)) meta["namespace"] = o.namespace_;
  json item{
      {"apiVersion", o.apiVersion.empty() ? std::string(api::preferredApiVersion(o.kind)) : o.apiVersion},
      {"kind", std::string(api::kindName(o.kind))},
      {"metadata", std::move(meta)}};
  std::visit(
      [&](const auto& s) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(s)>, std::monostate>) {
          item["status"] = statusJson(s, now);
        }
      },
      o.status);
  return item;
}

}  // namespace

std::string renderKubeList(const StatusSet& set, const DocumentOptions& options) {
  // The translator already orders objects; sorting again keeps the output
  // stable even for a hand-assembled or merged set.
  std::vector<const ObjectStatus*> order;
  order.reserve(set.objects.size());
  for (const auto& o : set.objects) order.push_back(&o);
  std::stable_sort(order.begin(), order.end(), [](const ObjectStatus* a, const ObjectStatus* b) {
    return std::tie(a->kind, a->namespace_, a->name) < std::tie(b->kind, b->namespace_, b->name);
  });

  json items = json::array();
  for (const ObjectStatus* o : order) items.push_back(itemJson(*o, options.lastTransitionTime));
  // nlohmann::json keeps object keys sorted, like kubectl's output.
  const json doc{{"apiVersion", "v1"}, {"kind", "List"}, {"items", std::move(items)}};

  if (options.format == DocumentFormat::Yaml) return toYaml(doc);
  const int indent = options.pretty ? 2 : -1;
  return doc.dump(indent, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string renderStatusStanza(const ObjectStatus& object, const DocumentOptions& options) {
  // The same itemJson as the List, so a stanza never drifts from it.
  const json item = itemJson(object, options.lastTransitionTime);
  auto it = item.find("status");
  if (it == item.end()) return {};
  return it->dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace portico::status
