#include "diagnose/attach_fix.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "diagnose/text.h"
#include "translate/hostname.h"
#include "translate/namespaces.h"

namespace portico::diagnose::detail {
namespace {

std::string labelsText(const std::map<std::string, std::string>& labels) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : labels) parts.push_back(k + "=" + v);
  return parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, ", "));
}

std::string selectorText(const api::LabelSelector& s) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : s.matchLabels) parts.push_back(k + "=" + v);
  for (const auto& e : s.matchExpressions) {
    parts.push_back(
        fmt::format("{} {}{}", e.key, e.operator_,
                    e.values.empty() ? std::string() : fmt::format(" [{}]", fmt::join(e.values, ", "))));
  }
  return parts.empty() ? "{} (matches every namespace)" : fmt::format("{}", fmt::join(parts, ", "));
}

std::string kindsJson(const api::AllowedRoutes& ar) {
  if (!ar.kindsSet) return {};
  std::vector<std::string> kinds;
  for (const auto& k : ar.kinds) {
    kinds.push_back(fmt::format(R"({{"group": {}, "kind": {}}})", jsonString(k.group), jsonString(k.kind)));
  }
  return fmt::format(R"(, "kinds": [{}])", fmt::join(kinds, ", "));
}

}  // namespace

std::vector<ListenerView> parentListeners(const Analysis& a, const RouteView& r,
                                          const api::ParentReference& ref) {
  std::vector<ListenerView> out;
  const std::string ns = ref.namespace_.value_or(r.meta->namespace_);
  if (ref.kind == "Gateway") {
    const api::Gateway* gw = a.snap.gateways.find(ns, ref.name);
    if (!gw) return out;
    for (auto& l : a.listenersOf(*gw)) {
      if (!l.listenerSet) out.push_back(l);
    }
  } else if (ref.kind == "ListenerSet") {
    const api::ListenerSet* ls = a.snap.listenerSets.find(ns, ref.name);
    if (!ls) return out;
    const api::Gateway* gw = a.snap.gateways.find(ls->parentRef.namespace_.value_or(ns), ls->parentRef.name);
    if (!gw) return out;
    for (auto& l : a.listenersOf(*gw)) {
      if (l.listenerSet == ls) out.push_back(l);
    }
  }
  return out;
}

std::vector<ListenerView> selectedListeners(const Analysis& a, const RouteView& r,
                                            const api::ParentReference& ref) {
  std::vector<ListenerView> out;
  for (auto& l : parentListeners(a, r, ref)) {
    if (ref.sectionName && l.spec->name != *ref.sectionName) continue;
    if (ref.port && l.spec->port != *ref.port) continue;
    out.push_back(l);
  }
  return out;
}

Refusal refusal(const Analysis& a, const ListenerView& l, const RouteView& r) {
  if (!l.status) return Refusal::None;
  const bool kindOk = std::any_of(
      l.status->supportedKinds.begin(), l.status->supportedKinds.end(),
      [&](const api::RouteGroupKind& k) { return k.group == api::kGatewayGroup && k.kind == r.kindName; });
  if (!kindOk) return Refusal::Kind;
  if (!translate::namespaceAllowed(l.spec->allowedRoutes.namespaces, l.owner().namespace_, r.meta->namespace_,
                                   a.namespaces())) {
    return Refusal::Namespace;
  }
  if (r.hostnames && !r.hostnames->empty()) {
    const std::string lh = l.spec->hostname.value_or("");
    const bool any = std::any_of(r.hostnames->begin(), r.hostnames->end(), [&](const std::string& h) {
      return translate::intersectHostnames(lh, h).has_value();
    });
    if (!any) return Refusal::Hostname;
  }
  return Refusal::None;
}

std::string namespaceRefusal(const Analysis& a, const ListenerView& l, const RouteView& r) {
  const auto& rn = l.spec->allowedRoutes.namespaces;
  const std::string owner = l.owner().namespace_;
  if (rn.from == "Same") {
    return fmt::format(
        "{}: allowedRoutes.namespaces.from: Same admits only routes in {} (the {}'s namespace); the "
        "route is in {}",
        l.describe(), owner, l.owner().kind, r.meta->namespace_);
  }
  if (rn.from == "Selector") {
    return fmt::format(
        "{}: allowedRoutes.namespaces.from: Selector with selector {}; namespace {} has labels {}",
        l.describe(), rn.selector ? selectorText(*rn.selector) : "(none: matches nothing)",
        r.meta->namespace_, labelsText(a.namespaces().labels(r.meta->namespace_)));
  }
  return fmt::format("{}: allowedRoutes.namespaces.from: {} admits no route namespace", l.describe(),
                     rn.from);
}

Fix namespaceFix(const Analysis& a, const ListenerView& l, const RouteView& r) {
  Fix fix;
  const auto& rn = l.spec->allowedRoutes.namespaces;
  const std::string routeNs = r.meta->namespace_;
  if (rn.from == "Selector" && rn.selector) {
    // Label the route's namespace so the listener's selector matches it;
    // possible unless an expression needs a label to be absent or
    // different from what it is.
    auto labels = a.namespaces().labels(routeNs);
    bool labelable = true;
    std::map<std::string, std::string> add;
    for (const auto& [k, v] : rn.selector->matchLabels) add[k] = v;
    for (const auto& e : rn.selector->matchExpressions) {
      if (e.operator_ == "In" && !e.values.empty())
        add[e.key] = e.values[0];
      else if (e.operator_ == "Exists")
        add[e.key] = labels.count(e.key) ? labels[e.key] : "true";
      else
        labelable = false;
    }
    if (labelable && !add.count("kubernetes.io/metadata.name")) {
      std::vector<std::string> kv;
      for (const auto& [k, v] : add) {
        labels[k] = v;
        kv.push_back(k + "=" + v);
      }
      labels.erase("kubernetes.io/metadata.name");  // set by the API server
      fix.summary = fmt::format("Label namespace {} so the selector of listener \"{}\" matches it:", routeNs,
                                l.spec->name);
      fix.commands.push_back(
          fmt::format("kubectl label namespace {} {} --overwrite", routeNs, fmt::join(kv, " ")));
      std::string yaml =
          fmt::format("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n  labels:\n", routeNs);
      for (const auto& [k, v] : labels) yaml += fmt::format("    {}: {}\n", k, jsonString(v));
      fix.yaml = yaml;
      return fix;
    }
  }
  // Same / None / unknown, or a selector labels cannot satisfy: admit the
  // owner's namespace and the route's by name.
  const std::string owner = l.owner().namespace_;
  std::vector<std::string> names = {jsonString(owner)};
  if (routeNs != owner) names.push_back(jsonString(routeNs));
  fix.summary = fmt::format(
      "Let listener \"{}\" admit routes from namespace {} (keeping {}), or move the route "
      "to namespace {}:",
      l.spec->name, routeNs, owner, owner);
  fix.target = l.owner();
  fix.patch.push_back(patchOp(
      "add", fmt::format("/spec/listeners/{}/allowedRoutes", l.index),
      fmt::format(R"({{"namespaces": {{"from": "Selector", "selector": {{"matchExpressions": [{{"key": )"
                  R"("kubernetes.io/metadata.name", "operator": "In", "values": [{}]}}]}}}}{}}})",
                  fmt::join(names, ", "), kindsJson(l.spec->allowedRoutes))));
  return fix;
}

std::string hostnameFor(const std::string& listenerHost, const std::vector<std::string>& routeHosts,
                        size_t& replaceIndex) {
  replaceIndex = 0;
  if (!translate::isWildcard(listenerHost)) {
    replaceIndex = 0;
    std::string best = closest(listenerHost, routeHosts);
    for (size_t i = 0; i < routeHosts.size(); ++i) {
      if (routeHosts[i] == best) replaceIndex = i;
    }
    return listenerHost;
  }
  // "*.example.com" and route "shop.example.org": keep the route's first
  // label under the listener's domain.
  const std::string suffix = listenerHost.substr(1);
  for (size_t i = 0; i < routeHosts.size(); ++i) {
    const std::string& h = routeHosts[i];
    const auto dot = h.find('.');
    const std::string label = h.starts_with("*.") ? "*" : h.substr(0, dot);
    if (!label.empty()) {
      replaceIndex = i;
      return label + suffix;
    }
  }
  return "www" + suffix;
}

}  // namespace portico::diagnose::detail
