// Namespace labels and label selectors, for allowedRoutes and
// allowedListeners `from: Selector`.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/gateway.h"
#include "store/snapshot.h"

namespace portico::translate {

class NamespaceIndex {
 public:
  explicit NamespaceIndex(const store::Snapshot& snapshot);

  // Labels of a namespace, including the kubernetes.io/metadata.name label
  // the API server sets on every namespace. Namespaces that are referenced
  // but not declared have only that label.
  std::map<std::string, std::string> labels(std::string_view ns) const;

 private:
  std::unordered_map<std::string, const api::Namespace*> byName_;
};

// Kubernetes LabelSelector semantics: matchLabels and matchExpressions
// ANDed; an empty selector matches everything.
bool selectorMatches(const api::LabelSelector& selector, const std::map<std::string, std::string>& labels);

// allowedRoutes / allowedListeners namespace check. `owner` is the
// namespace of the Gateway or ListenerSet that owns the listener.
bool namespaceAllowed(const api::RouteNamespaces& rule, std::string_view owner, std::string_view candidate,
                      const NamespaceIndex& namespaces);

}  // namespace portico::translate
