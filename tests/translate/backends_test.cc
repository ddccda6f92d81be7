// backendRef resolution, ReferenceGrant and the IR clusters (spec §12.7,
// §12.14).
#include <gtest/gtest.h>

#include "translate/scenario.h"

namespace portico::testing {
namespace {

const char* kBase = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: portico
  listeners:
  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: apps}
spec:
  ports:
  - {name: http, port: 8080, targetPort: 9000}
  - {name: dns, port: 53, protocol: UDP}
  - {name: odd, port: 7000, appProtocol: example.com/odd}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  namespace: apps
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
ports: [{name: http, port: 9000}]
endpoints:
- addresses: [10.0.0.1]
  conditions: {ready: true}
  targetRef: {kind: Pod, name: web-1}
- addresses: [10.0.0.2]
  conditions: {ready: false}
- addresses: [10.0.0.3]
)";

std::string routeTo(const std::string& ns, const std::string& backends) {
  return std::string("---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, "
                     "namespace: ") + ns + "}\nspec:\n  parentRefs: [{name: gw, namespace: infra}]\n  rules:\n"
                     "  - backendRefs:\n" + backends;
}

const char* kGrant = R"(
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow-infra, namespace: apps}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: infra}]
  to: [{group: "", kind: Service, name: web}]
)";

TEST(Backends, ReadyEndpointsBecomeTheCluster) {
  Scenario s(std::string(kBase) + routeTo("apps", "    - {name: web, port: 8080}\n"));
  EXPECT_EQ(s.httpRouteCond("apps", "r", "ResolvedRefs"), "True/ResolvedRefs");
  const auto& c = s.result.ir.clusters.at("apps/web:8080");
  ASSERT_EQ(c.endpoints.size(), 2u) << "not-ready endpoints carry no traffic; nil ready means ready";
  EXPECT_EQ(c.endpoints[0].address, "10.0.0.1");
  EXPECT_EQ(c.endpoints[0].port, 9000);
  EXPECT_EQ(c.endpoints[0].podName, "web-1");
  EXPECT_EQ(c.endpoints[1].address, "10.0.0.3");
}

TEST(Backends, CrossNamespaceNeedsAGrantInTheTargetNamespace) {
  Scenario denied(std::string(kBase) + routeTo("infra", "    - {name: web, namespace: apps, port: 8080}\n"));
  EXPECT_EQ(denied.httpRouteCond("infra", "r", "Accepted"), "True/Accepted");
  EXPECT_EQ(denied.httpRouteCond("infra", "r", "ResolvedRefs"), "False/RefNotPermitted");
  // The share of the invalid backend answers 500 (spec §12.7).
  const auto& route = denied.result.ir.binds.at(0).listeners.at(0).virtualHosts.at(0).routes.at(0);
  ASSERT_EQ(route.backends.size(), 1u);
  EXPECT_TRUE(route.backends[0].cluster.empty());
  EXPECT_EQ(route.backends[0].invalidStatus, 500);

  Scenario granted(std::string(kBase) + kGrant + routeTo("infra", "    - {name: web, namespace: apps, port: 8080}\n"));
  EXPECT_EQ(granted.httpRouteCond("infra", "r", "ResolvedRefs"), "True/ResolvedRefs");
}

TEST(Backends, GrantNamesOnlyWhatItNames) {
  Scenario s(std::string(kBase) + kGrant +
             "---\napiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: apps}\nspec:\n  ports: [{port: "
             "80}]\n" +
             routeTo("infra", "    - {name: api, namespace: apps, port: 80}\n"));
  EXPECT_EQ(s.httpRouteCond("infra", "r", "ResolvedRefs"), "False/RefNotPermitted");
}

TEST(Backends, GrantDoesNotRevealMissingServices) {
  Scenario s(std::string(kBase) + routeTo("infra", "    - {name: ghost, namespace: apps, port: 80}\n"));
  EXPECT_EQ(s.httpRouteCond("infra", "r", "ResolvedRefs"), "False/RefNotPermitted");
}

TEST(Backends, MissingServiceOrPortIsBackendNotFound) {
  Scenario s1(std::string(kBase) + routeTo("apps", "    - {name: ghost, port: 80}\n"));
  EXPECT_EQ(s1.httpRouteCond("apps", "r", "ResolvedRefs"), "False/BackendNotFound");
  Scenario s2(std::string(kBase) + routeTo("apps", "    - {name: web, port: 1}\n"));
  EXPECT_EQ(s2.httpRouteCond("apps", "r", "ResolvedRefs"), "False/BackendNotFound");
}

TEST(Backends, UnknownKindIsInvalidKind) {
  Scenario s(std::string(kBase) + routeTo("apps", "    - {group: example.com, kind: Bucket, name: web}\n"));
  EXPECT_EQ(s.httpRouteCond("apps", "r", "ResolvedRefs"), "False/InvalidKind");
}

TEST(Backends, ProtocolsTheRouteCannotSpeakAreUnsupportedProtocol) {
  Scenario udp(std::string(kBase) + routeTo("apps", "    - {name: web, port: 53}\n"));
  EXPECT_EQ(udp.httpRouteCond("apps", "r", "ResolvedRefs"), "False/UnsupportedProtocol");
  Scenario app(std::string(kBase) + routeTo("apps", "    - {name: web, port: 7000}\n"));
  EXPECT_EQ(app.httpRouteCond("apps", "r", "ResolvedRefs"), "False/UnsupportedProtocol");
}

TEST(Backends, WeightsKeepTheInvalidShare) {
  Scenario s(std::string(kBase) + routeTo("apps", "    - {name: web, port: 8080, weight: 70}\n"
                                                  "    - {name: ghost, port: 80, weight: 30}\n"
                                                  "    - {name: web, port: 8080, weight: 0}\n"));
  const auto& route = s.result.ir.binds.at(0).listeners.at(0).virtualHosts.at(0).routes.at(0);
  ASSERT_EQ(route.backends.size(), 3u);
  EXPECT_EQ(route.backends[0].weight, 70u);
  EXPECT_EQ(route.backends[1].weight, 30u);
  EXPECT_TRUE(route.backends[1].cluster.empty());
  EXPECT_EQ(route.backends[2].weight, 0u);
}

TEST(Backends, InvalidRulesAreDroppedAndReportedAsPartiallyInvalid) {
  Scenario s(std::string(kBase) + R"(
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /good}}]
    backendRefs: [{name: web, port: 8080}]
  - matches: [{headers: [{type: RegularExpression, name: x, value: "(("}]}]
    backendRefs: [{name: web, port: 8080}]
)");
  EXPECT_EQ(s.httpRouteCond("apps", "r", "Accepted"), "True/Accepted");
  EXPECT_EQ(s.httpRouteCond("apps", "r", "PartiallyInvalid"), "True/UnsupportedValue");
  const auto* pi = status::findCondition(s.route(api::Kind::HTTPRoute, "apps", "r")->parents[0].conditions,
                                         "PartiallyInvalid");
  ASSERT_NE(pi, nullptr);
  EXPECT_EQ(pi->message.rfind("Dropped Rule", 0), 0u) << pi->message;
  const auto& vh = s.result.ir.binds.at(0).listeners.at(0).virtualHosts.at(0);
  ASSERT_EQ(vh.routes.size(), 1u);
  EXPECT_EQ(vh.routes[0].match.path.value, "/good");
}

TEST(Backends, RoutesAreSortedByPrecedenceAcrossRoutes) {
  Scenario s(std::string(kBase) + R"(
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: a, namespace: apps, creationTimestamp: "2024-01-02T00:00:00Z"}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: web, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /api/}}]
    backendRefs: [{name: web, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: b, namespace: apps, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  rules:
  - matches: [{path: {type: Exact, value: /api}}, {path: {type: PathPrefix, value: /api}, method: GET}]
    backendRefs: [{name: web, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /api}}]
    backendRefs: [{name: web, port: 8080}]
)");
  const auto& routes = s.result.ir.binds.at(0).listeners.at(0).virtualHosts.at(0).routes;
  ASSERT_EQ(routes.size(), 5u);
  std::vector<std::string> order;
  for (const auto& r : routes) order.push_back(r.routeName + ":" + std::to_string(r.ruleIndex) + "." + std::to_string(r.matchIndex));
  // Exact first; then /api with method; then /api prefix ties broken by
  // the older route (b) before a; "/" last.
  EXPECT_EQ(order, (std::vector<std::string>{"b:0.0", "b:0.1", "b:1.0", "a:1.0", "a:0.0"}));
  EXPECT_EQ(routes[3].match.path.value, "/api") << "trailing slash of a prefix is not significant";
}

TEST(Backends, RuleWithoutBackendsStaysResolved) {
  Scenario s(std::string(kBase) + "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: "
                                  "{name: r, namespace: apps}\nspec:\n  parentRefs: [{name: gw, namespace: infra}]\n");
  EXPECT_EQ(s.httpRouteCond("apps", "r", "ResolvedRefs"), "True/ResolvedRefs");
  const auto& routes = s.result.ir.binds.at(0).listeners.at(0).virtualHosts.at(0).routes;
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_TRUE(routes[0].backends.empty()) << "no backends: the data plane answers 500";
}

}  // namespace
}  // namespace portico::testing
