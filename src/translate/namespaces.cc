#include "translate/namespaces.h"

#include <algorithm>

namespace portico::translate {

NamespaceIndex::NamespaceIndex(const store::Snapshot& snapshot) {
  for (const auto& [key, ns] : snapshot.namespaces) byName_.emplace(ns->meta.name, ns.get());
}

std::map<std::string, std::string> NamespaceIndex::labels(std::string_view ns) const {
  std::map<std::string, std::string> out;
  if (auto it = byName_.find(std::string(ns)); it != byName_.end()) out = it->second->meta.labels;
  out["kubernetes.io/metadata.name"] = std::string(ns);
  return out;
}

bool selectorMatches(const api::LabelSelector& selector, const std::map<std::string, std::string>& labels) {
  for (const auto& [k, v] : selector.matchLabels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  for (const auto& req : selector.matchExpressions) {
    auto it = labels.find(req.key);
    bool has = it != labels.end();
    bool in = has && std::find(req.values.begin(), req.values.end(), it->second) != req.values.end();
    if (req.operator_ == "In" && !in) return false;
    if (req.operator_ == "NotIn" && in) return false;
    if (req.operator_ == "Exists" && !has) return false;
    if (req.operator_ == "DoesNotExist" && has) return false;
  }
  return true;
}

bool namespaceAllowed(const api::RouteNamespaces& rule, std::string_view owner, std::string_view candidate,
                      const NamespaceIndex& namespaces) {
  if (rule.from == "All") return true;
  if (rule.from == "Same") return owner == candidate;
  if (rule.from == "Selector") {
    if (!rule.selector) return false;
    return selectorMatches(*rule.selector, namespaces.labels(candidate));
  }
  return false;  // None, or a value this version does not know
}

}  // namespace portico::translate
