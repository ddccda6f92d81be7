// Route attachment and attachedRoutes counting (spec §11 Routes, §12.4).
#include <gtest/gtest.h>

#include "translate/scenario.h"

namespace portico::testing {
namespace {

const char* kGateway = R"(
apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: portico
  listeners:
  - name: same
    port: 80
    protocol: HTTP
    hostname: "*.example.com"
  - name: all
    port: 8080
    protocol: HTTP
    allowedRoutes: {namespaces: {from: All}}
  - name: selected
    port: 8081
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Selector
        selector: {matchLabels: {team: shop}}
  - name: tcp
    port: 9000
    protocol: TCP
    allowedRoutes: {namespaces: {from: All}}
)";

std::string route(const std::string& ns, const std::string& name, const std::string& parents,
                  const std::string& hostnames = "") {
  return "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " + name +
         ", namespace: " + ns + "}\nspec:\n  parentRefs:\n" + parents + hostnames + "  rules:\n  - {}\n";
}

TEST(Attach, SameNamespaceRouteAttachesAndIsCounted) {
  Scenario s(std::string(kGateway) + route("infra", "r", "  - {name: gw, sectionName: same}\n"));
  EXPECT_EQ(s.httpRouteCond("infra", "r", "Accepted"), "True/Accepted");
  EXPECT_EQ(s.httpRouteCond("infra", "r", "ResolvedRefs"), "True/ResolvedRefs");
  EXPECT_EQ(s.listener("infra", "gw", "same")->attachedRoutes, 1);
  EXPECT_EQ(s.listener("infra", "gw", "all")->attachedRoutes, 0);
  auto* rs = s.route(api::Kind::HTTPRoute, "infra", "r");
  ASSERT_EQ(rs->parents.size(), 1u);
  EXPECT_EQ(rs->parents[0].controllerName, "portico.dev/gateway-controller");
  EXPECT_EQ(rs->parents[0].parentRef.group, "gateway.networking.k8s.io");
  EXPECT_EQ(rs->parents[0].parentRef.kind, "Gateway");
  EXPECT_EQ(rs->parents[0].parentRef.namespace_, "infra");
}

TEST(Attach, WholeGatewayParentAttachesToEveryAdmittingListener) {
  Scenario s(std::string(kGateway) + route("apps", "r", "  - {name: gw, namespace: infra}\n"));
  EXPECT_EQ(s.httpRouteCond("apps", "r", "Accepted"), "True/Accepted");
  EXPECT_EQ(s.listener("infra", "gw", "same")->attachedRoutes, 0);  // from: Same
  EXPECT_EQ(s.listener("infra", "gw", "all")->attachedRoutes, 1);
  EXPECT_EQ(s.listener("infra", "gw", "selected")->attachedRoutes, 1);
  EXPECT_EQ(s.listener("infra", "gw", "tcp")->attachedRoutes, 0);  // wrong kind
}

TEST(Attach, NamespaceNotAllowed) {
  Scenario s(std::string(kGateway) + route("other", "r", "  - {name: gw, namespace: infra, sectionName: same}\n") +
             route("other", "r2", "  - {name: gw, namespace: infra, sectionName: selected}\n"));
  EXPECT_EQ(s.httpRouteCond("other", "r", "Accepted"), "False/NotAllowedByListeners");
  EXPECT_EQ(s.httpRouteCond("other", "r2", "Accepted"), "False/NotAllowedByListeners");
  EXPECT_EQ(s.listener("infra", "gw", "same")->attachedRoutes, 0);
}

TEST(Attach, KindNotAllowed) {
  Scenario s(std::string(kGateway) + route("infra", "r", "  - {name: gw, sectionName: tcp}\n"));
  EXPECT_EQ(s.httpRouteCond("infra", "r", "Accepted"), "False/NotAllowedByListeners");
}

TEST(Attach, NoMatchingParentForUnknownSectionOrPort) {
  Scenario s(std::string(kGateway) + route("infra", "a", "  - {name: gw, sectionName: nope}\n") +
             route("infra", "b", "  - {name: gw, port: 1234}\n") +
             route("infra", "c", "  - {name: gw, sectionName: all, port: 80}\n"));
  EXPECT_EQ(s.httpRouteCond("infra", "a", "Accepted"), "False/NoMatchingParent");
  EXPECT_EQ(s.httpRouteCond("infra", "b", "Accepted"), "False/NoMatchingParent");
  EXPECT_EQ(s.httpRouteCond("infra", "c", "Accepted"), "False/NoMatchingParent");
}

TEST(Attach, PortSelectsTheListener) {
  Scenario s(std::string(kGateway) + route("infra", "r", "  - {name: gw, port: 8080}\n"));
  EXPECT_EQ(s.httpRouteCond("infra", "r", "Accepted"), "True/Accepted");
  EXPECT_EQ(s.listener("infra", "gw", "all")->attachedRoutes, 1);
  EXPECT_EQ(s.listener("infra", "gw", "same")->attachedRoutes, 0);
}

TEST(Attach, NoMatchingListenerHostname) {
  Scenario s(std::string(kGateway) +
             route("infra", "r", "  - {name: gw, sectionName: same}\n", "  hostnames: [example.com, foo.org]\n") +
             route("infra", "ok", "  - {name: gw, sectionName: same}\n", "  hostnames: [a.example.com, foo.org]\n"));
  EXPECT_EQ(s.httpRouteCond("infra", "r", "Accepted"), "False/NoMatchingListenerHostname");
  EXPECT_EQ(s.httpRouteCond("infra", "ok", "Accepted"), "True/Accepted");
  // Only the intersecting hostname is routed (spec §12.1).
  const auto& l = s.result.ir.binds.at(0).listeners.at(0);
  ASSERT_EQ(l.virtualHosts.size(), 1u);
  EXPECT_EQ(l.virtualHosts[0].hostname, "a.example.com");
}

TEST(Attach, EachParentRefIsJudgedOnItsOwn) {
  Scenario s(std::string(kGateway) +
             route("other", "r", "  - {name: gw, namespace: infra, sectionName: same}\n"
                                 "  - {name: gw, namespace: infra, sectionName: all}\n"
                                 "  - {name: missing-gateway, namespace: infra}\n"));
  auto* rs = s.route(api::Kind::HTTPRoute, "other", "r");
  ASSERT_NE(rs, nullptr);
  ASSERT_EQ(rs->parents.size(), 2u) << "nothing is written for a parent Portico does not manage";
  EXPECT_EQ(s.httpRouteCond("other", "r", "Accepted", 0), "False/NotAllowedByListeners");
  EXPECT_EQ(s.httpRouteCond("other", "r", "Accepted", 1), "True/Accepted");
}

TEST(Attach, RoutesOfAnotherControllersGatewayGetNoStatus) {
  Scenario s(std::string(kGateway) +
             "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: theirs, namespace: "
             "infra}\nspec:\n  gatewayClassName: someone-else\n  listeners:\n  - {name: http, port: 80, protocol: "
             "HTTP}\n" +
             route("infra", "r", "  - {name: theirs}\n"));
  EXPECT_TRUE(s.route(api::Kind::HTTPRoute, "infra", "r")->parents.empty());
  EXPECT_EQ(s.gatewayCond("infra", "theirs", "Accepted"), "Unknown/Pending");
}

TEST(Attach, UnacceptedRoutesAreNotCounted) {
  // Every rule invalid (bad RE2) -> Accepted=False UnsupportedValue.
  Scenario s(std::string(kGateway) +
             "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: bad, namespace: "
             "infra}\nspec:\n  parentRefs: [{name: gw, sectionName: all}]\n  rules:\n  - matches:\n    - path: "
             "{type: RegularExpression, value: '/(unclosed'}\n");
  EXPECT_EQ(s.httpRouteCond("infra", "bad", "Accepted"), "False/UnsupportedValue");
  EXPECT_EQ(s.listener("infra", "gw", "all")->attachedRoutes, 0);
}

TEST(Attach, ListenerSetRequiresAllowedListeners) {
  const std::string set = R"(
---
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: extra, namespace: infra}
spec:
  parentRef: {name: gw}
  listeners:
  - {name: extra, port: 9090, protocol: HTTP}
)";
  Scenario denied(std::string(kGateway) + set);
  auto* ls = denied.object(api::Kind::ListenerSet, "infra", "extra");
  ASSERT_NE(ls, nullptr);
  EXPECT_EQ(Scenario::cond(std::get<status::ListenerSetStatus>(ls->status).conditions, "Accepted"), "False/NotAllowed");
  EXPECT_EQ(denied.gateway("infra", "gw")->attachedListenerSets, 0);

  std::string allowing = kGateway;
  allowing.replace(allowing.find("  listeners:"), 0, "  allowedListeners: {namespaces: {from: Same}}\n");
  Scenario allowed(allowing + set + route("infra", "r", "  - {name: extra, kind: ListenerSet}\n"));
  auto* ls2 = allowed.object(api::Kind::ListenerSet, "infra", "extra");
  const auto& st = std::get<status::ListenerSetStatus>(ls2->status);
  EXPECT_EQ(Scenario::cond(st.conditions, "Accepted"), "True/Accepted");
  EXPECT_EQ(Scenario::cond(st.conditions, "Programmed"), "True/Programmed");
  ASSERT_EQ(st.listeners.size(), 1u);
  EXPECT_EQ(st.listeners[0].attachedRoutes, 1);
  EXPECT_EQ(allowed.gateway("infra", "gw")->attachedListenerSets, 1);
  EXPECT_EQ(allowed.gateway("infra", "gw")->listeners.size(), 4u) << "set listeners are not in the Gateway's status";
  EXPECT_EQ(allowed.httpRouteCond("infra", "r", "Accepted"), "True/Accepted");
}

TEST(Attach, ListenerSetLosesConflictsToItsGateway) {
  std::string allowing = kGateway;
  allowing.replace(allowing.find("  listeners:"), 0, "  allowedListeners: {namespaces: {from: All}}\n");
  Scenario s(allowing + R"(
---
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: dup, namespace: apps}
spec:
  parentRef: {name: gw, namespace: infra}
  listeners:
  - {name: clash, port: 8080, protocol: HTTP}
  - {name: fine, port: 7070, protocol: HTTP}
)");
  EXPECT_EQ(s.listenerCond("infra", "gw", "all", "Conflicted"), "False/NoConflicts");
  auto* ls = s.object(api::Kind::ListenerSet, "apps", "dup");
  const auto& st = std::get<status::ListenerSetStatus>(ls->status);
  EXPECT_EQ(Scenario::cond(st.listeners[0].conditions, "Conflicted"), "True/HostnameConflict");
  EXPECT_EQ(Scenario::cond(st.listeners[1].conditions, "Accepted"), "True/Accepted");
  EXPECT_EQ(Scenario::cond(st.conditions, "Accepted"), "True/ListenersNotValid");
}

TEST(Attach, L4RoutesReachTheListenerOldestFirst) {
  // Both TCPRoutes are Accepted and counted; the data plane serves the
  // first, so the older must come first whatever the names say
  // (conformance TCPRouteMultipleRoutesAttachment).
  Scenario s(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: portico
  listeners: [{name: tcp, port: 9000, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: infra}
spec: {ports: [{name: tcp, port: 5432}]}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: a-newer, namespace: infra, creationTimestamp: "2026-01-02T00:00:00Z"}
spec:
  parentRefs: [{name: gw, sectionName: tcp}]
  rules: [{backendRefs: [{name: db, port: 5432}]}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: b-older, namespace: infra, creationTimestamp: "2026-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw, sectionName: tcp}]
  rules: [{backendRefs: [{name: db, port: 5432}]}]
)");
  ASSERT_EQ(s.result.ir.binds.size(), 1u);
  const auto& l4 = s.result.ir.binds[0].listeners[0].l4Routes;
  ASSERT_EQ(l4.size(), 2u);
  EXPECT_EQ(l4[0].routeName, "b-older");
  EXPECT_EQ(l4[1].routeName, "a-newer");
  EXPECT_EQ(s.gateway("infra", "gw")->listeners[0].attachedRoutes, 2);
}

}  // namespace
}  // namespace portico::testing
