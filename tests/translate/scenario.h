// Helpers for translator tests: YAML in, status lookups out.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "support/test_support.h"
#include "translate/translator.h"

namespace portico::testing {

inline const char* kClass = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
)";

struct Scenario {
  source::LoadResult load;
  translate::Result result;

  explicit Scenario(const std::string& yaml, bool withClass = true)
      : load(loadOk((withClass ? std::string(kClass) + "\n---\n" : std::string()) + yaml)),
        result(translate::translate(load.snapshot)) {}

  const status::ObjectStatus* object(api::Kind k, const std::string& ns, const std::string& name) const {
    return result.status.find(k, ns, name);
  }
  const status::GatewayStatus* gateway(const std::string& ns, const std::string& name) const {
    auto* o = object(api::Kind::Gateway, ns, name);
    return o ? std::get_if<status::GatewayStatus>(&o->status) : nullptr;
  }
  const status::ListenerStatus* listener(const std::string& ns, const std::string& gw, const std::string& l) const {
    auto* g = gateway(ns, gw);
    if (!g) return nullptr;
    for (const auto& x : g->listeners) {
      if (x.name == l) return &x;
    }
    return nullptr;
  }
  const status::RouteStatus* route(api::Kind k, const std::string& ns, const std::string& name) const {
    auto* o = object(k, ns, name);
    return o ? std::get_if<status::RouteStatus>(&o->status) : nullptr;
  }
  // "True/Reason" of a condition, or "absent".
  static std::string cond(const std::vector<api::Condition>& conds, const std::string& type) {
    auto* c = status::findCondition(conds, type);
    return c ? c->status + "/" + c->reason : "absent";
  }
  std::string gatewayCond(const std::string& ns, const std::string& name, const std::string& type) const {
    auto* g = gateway(ns, name);
    return g ? cond(g->conditions, type) : "no gateway";
  }
  std::string listenerCond(const std::string& ns, const std::string& gw, const std::string& l,
                           const std::string& type) const {
    auto* x = listener(ns, gw, l);
    return x ? cond(x->conditions, type) : "no listener";
  }
  std::string routeCond(api::Kind k, const std::string& ns, const std::string& name, size_t parent,
                        const std::string& type) const {
    auto* r = route(k, ns, name);
    if (!r || r->parents.size() <= parent) return "no parent";
    return cond(r->parents[parent].conditions, type);
  }
  std::string httpRouteCond(const std::string& ns, const std::string& name, const std::string& type,
                            size_t parent = 0) const {
    return routeCond(api::Kind::HTTPRoute, ns, name, parent, type);
  }
};

}  // namespace portico::testing
