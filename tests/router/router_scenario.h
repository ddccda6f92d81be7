// Router tests: YAML -> real translator -> BindRouter per bind, plus a small
// request builder and a readable answer ("route/rule", "404", "421").
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "router/router.h"
#include "translate/scenario.h"

namespace portico::testing {

inline const char* kRouterNamespace = R"(
apiVersion: v1
kind: Namespace
metadata: {name: infra}
---
)";

struct RouterScenario : Scenario {
  std::vector<std::shared_ptr<const router::BindRouter>> routers;

  explicit RouterScenario(const std::string& yaml) : Scenario(std::string(kRouterNamespace) + yaml) {
    for (const auto& b : result.ir.binds) routers.push_back(router::BindRouter::build(b));
  }
  RouterScenario(const RouterScenario&) = delete;

  const router::BindRouter& port(int p) const {
    for (const auto& r : routers) {
      if (r->bind().port == p) return *r;
    }
    ADD_FAILURE() << "no bind on port " << p;
    static const ir::Bind none;
    static auto empty = router::BindRouter::build(none);
    return *empty;
  }
};

struct Req {
  std::string host = "example.com";
  std::string path = "/";
  std::string query;
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  bool grpc = false;

  std::vector<http1::Header> storage;
  router::RequestView view() {
    storage.clear();
    for (const auto& [n, v] : headers) storage.push_back({n, v});
    return {host, path, query, method, storage, grpc};
  }
};

// "name/rule" of the chosen route, or the status ("404", "421").
inline std::string who(const router::BindRouter::Match& m) {
  if (m.status != 0) return std::to_string(m.status);
  if (!m.route) return "no route";
  return m.route->routeName + "/" + std::to_string(m.route->ruleIndex);
}

inline std::string who(const router::BindRouter& r, Req req, const ir::Listener* sni = nullptr) {
  return who(r.route(req.view(), sni));
}

inline std::string gatewayYaml(const std::string& listeners) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: infra}\n"
         "spec:\n  gatewayClassName: portico\n  listeners:\n" +
         listeners;
}

// An HTTPRoute in infra attached to gw (optionally one section), with
// `hostnames` (flow list or empty) and `rules` (YAML lines under "rules:").
inline std::string httpRoute(const std::string& name, const std::string& rules,
                             const std::string& hostnames = "", const std::string& section = "",
                             const std::string& timestamp = "") {
  std::string meta = "{name: " + name + ", namespace: infra" +
                     (timestamp.empty() ? "" : ", creationTimestamp: \"" + timestamp + "\"") + "}";
  return "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: " + meta +
         "\nspec:\n  parentRefs:\n  - {name: gw" + (section.empty() ? "" : ", sectionName: " + section) +
         "}\n" + (hostnames.empty() ? "" : "  hostnames: " + hostnames + "\n") + "  rules:\n" + rules;
}

}  // namespace portico::testing
