// The Ingress object model mapping: listeners per TLS host, routes per
// host, default backends, named ports, namespaces and grants, the Gateway's
// class and place, --mirror-to, limits, and what is skipped.
#include <gtest/gtest.h>

#include "migrate/harness.h"

namespace portico::testing {
namespace {

const std::string kService = R"(apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  ports:
  - {name: metrics, port: 9102}
  - {name: http, port: 8080}
)";

std::string namedPortIngress() {
  return ingressYaml("web",
                     "  rules:\n  - http:\n      paths:\n      - path: /\n        pathType: Prefix\n"
                     "        backend:\n          service:\n            name: web\n"
                     "            port: {name: http}\n");
}

TEST(MigrateConvert, ListenerPerTlsHostKeepsWildcards) {
  const auto m = migrateYaml(ingressYaml("web",
                                         "  ingressClassName: nginx\n  tls:\n  - hosts: [a.example.com, "
                                         "\"*.b.example.com\"]\n    secretName: ab-tls\n"
                                         "  - hosts: [c.example.com]\n    secretName: c-tls\n" +
                                             rulesYaml("a.example.com", {{"/", "Prefix", "web"}})));
  const auto* g = m.gateway();
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->gatewayClassName, "nginx");
  EXPECT_EQ(g->meta.name, "nginx");
  EXPECT_EQ(g->meta.namespace_, "shop");
  std::vector<std::string> got;
  for (const auto& l : g->listeners) {
    got.push_back(l.name + " " + l.hostname.value_or("-") + " " + std::to_string(l.port) + " " + l.protocol +
                  " " + (l.tls ? l.tls->certificateRefs[0].name : "-"));
  }
  EXPECT_EQ(
      got, (std::vector<std::string>{"http - 80 HTTP -", "https-a-example-com a.example.com 443 HTTPS ab-tls",
                                     "https-c-example-com c.example.com 443 HTTPS c-tls",
                                     "https-wildcard-b-example-com *.b.example.com 443 HTTPS ab-tls"}));
  // Same namespace: no grant, allowedRoutes left at Same.
  EXPECT_TRUE(m.output.snapshot.referenceGrants.empty());
  EXPECT_EQ(g->listeners[0].allowedRoutes.namespaces.from, "Same");
}

TEST(MigrateConvert, RoutePerHost) {
  const auto m = migrateYaml(ingressYaml(
      "web",
      "  rules:\n"
      "  - host: a.example.com\n    http:\n      paths:\n"
      "      - {path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}\n"
      "  - host: \"*.b.example.com\"\n    http:\n      paths:\n"
      "      - {path: /, pathType: Prefix, backend: {service: {name: b, port: {number: 80}}}}\n"
      "  - host: a.example.com\n    http:\n      paths:\n"
      "      - {path: /x, pathType: Exact, backend: {service: {name: x, port: {number: 80}}}}\n"));
  EXPECT_EQ(m.routeNames(),
            (std::vector<std::string>{"shop/web-a-example-com", "shop/web-wildcard-b-example-com"}));
  const auto* a = m.route("shop", "web-a-example-com");
  ASSERT_EQ(a->rules.size(), 2u);  // both rules of host a merged
  EXPECT_EQ(a->hostnames, std::vector<std::string>{"a.example.com"});
  EXPECT_EQ(m.route("shop", "web-wildcard-b-example-com")->hostnames,
            std::vector<std::string>{"*.b.example.com"});
  for (const auto& [k, r] : m.output.snapshot.httpRoutes) {
    EXPECT_EQ(r->meta.annotations.at("portico.dev/migrated-from"), "Ingress shop/web");
  }
}

TEST(MigrateConvert, DefaultBackendIsTheCatchAllOfEachHost) {
  const auto m = migrateYaml(
      ingressYaml("web", "  defaultBackend:\n    service: {name: fallback, port: {number: 80}}\n" +
                             rulesYaml("a.example.com", {{"/api", "Prefix", "api"}})));
  const auto* r = m.route("shop", "web");
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->rules.size(), 2u);
  EXPECT_EQ(r->rules[1].matches[0].path->type, "PathPrefix");
  EXPECT_EQ(r->rules[1].matches[0].path->value, "/");
  EXPECT_EQ(r->rules[1].backendRefs[0].ref.name, "fallback");
  // A root path of its own wins over the default backend (no second "/").
  const auto n = migrateYaml(
      ingressYaml("web", "  defaultBackend:\n    service: {name: fallback, port: {number: 80}}\n" +
                             rulesYaml("a.example.com", {{"/", "Prefix", "web"}})));
  ASSERT_EQ(n.route("shop", "web")->rules.size(), 1u);
}

TEST(MigrateConvert, DefaultBackendOnlyServesEveryHost) {
  const auto m = migrateYaml(
      ingressYaml("catch-all", "  defaultBackend:\n    service: {name: fallback, port: {number: 80}}\n"));
  const auto* r = m.route("shop", "catch-all");
  ASSERT_NE(r, nullptr) << m.result.yaml;
  EXPECT_TRUE(r->hostnames.empty());
  ASSERT_EQ(r->rules.size(), 1u);
  EXPECT_EQ(r->rules[0].backendRefs[0].ref.name, "fallback");
  ASSERT_EQ(r->common.parentRefs.size(), 1u);
  EXPECT_EQ(r->common.parentRefs[0].sectionName.value_or(""), "http");
}

TEST(MigrateConvert, NamedPortResolvedFromServiceInTheInput) {
  const auto m = migrateYaml(kService + "---\n" + namedPortIngress());
  EXPECT_EQ(m.route("shop", "web")->rules[0].backendRefs[0].ref.port.value_or(0), 8080);
  EXPECT_FALSE(m.warned({"placeholder"}));
}

TEST(MigrateConvert, NamedPortWithoutServiceIsAPlaceholderAndAWarning) {
  const auto m = migrateYaml(namedPortIngress());
  EXPECT_EQ(m.route("shop", "web")->rules[0].backendRefs[0].ref.port.value_or(0), 1);
  const auto w =
      m.find({"in.yaml:15: warning: Ingress shop/web: spec.rules[0].http.paths[0].backend.service.port.name:",
              "Service shop/web is not in the input", "placeholder",
              "kubectl get service -n shop web -o jsonpath='{.spec.ports[?(@.name==\"http\")].port}'"});
  EXPECT_EQ(w.size(), 1u) << m.allLines();
  EXPECT_NE(m.result.yaml.find("# TODO: port 1 of Service shop/web is a placeholder"), std::string::npos);
  // Present Service, missing port name: also a placeholder, a different reason.
  const std::string other =
      "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"
      "spec:\n  ports:\n  - {name: web, port: 80}\n";
  const auto n = migrateYaml(other + "---\n" + namedPortIngress());
  EXPECT_TRUE(n.warned({"has no port named \"http\""})) << n.allLines();
}

TEST(MigrateConvert, PortNumberMissingFromServiceIsWarned) {
  const auto m =
      migrateYaml(kService + "---\n" + ingressYaml("web", rulesYaml("", {{"/", "Prefix", "web", 80}})));
  EXPECT_TRUE(m.warned({"backend.service.port.number", "has no port 80"})) << m.allLines();
}

TEST(MigrateConvert, CrossNamespaceRoutesAndCertificates) {
  migrate::Options o;
  o.gatewayNamespace = "gateways";
  o.gatewayName = "edge";
  o.gatewayClass = "portico";
  const auto m =
      migrateYaml(ingressYaml("web", "  tls:\n  - hosts: [shop.example.com]\n    secretName: shop-tls\n" +
                                         rulesYaml("shop.example.com", {{"/", "Prefix", "web"}})) +
                      "---\n" +
                      ingressYaml("blog",
                                  "  tls:\n  - hosts: [blog.example.com]\n    secretName: blog-tls\n" +
                                      rulesYaml("blog.example.com", {{"/", "Prefix", "blog"}}),
                                  "", "media"),
                  o);
  const auto* g = m.gateway();
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->meta.namespace_, "gateways");
  EXPECT_EQ(g->meta.name, "edge");
  for (const auto& l : g->listeners) {
    EXPECT_EQ(l.allowedRoutes.namespaces.from, "Selector") << l.name;
    ASSERT_TRUE(l.allowedRoutes.namespaces.selector.has_value());
    const auto& e = l.allowedRoutes.namespaces.selector->matchExpressions;
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].key, "kubernetes.io/metadata.name");
    EXPECT_EQ(e[0].operator_, "In");
    EXPECT_EQ(e[0].values, (std::vector<std::string>{"gateways", "media", "shop"}));
    if (l.tls) {
      EXPECT_TRUE(l.tls->certificateRefs[0].namespace_.has_value());
    }
  }
  const auto* shopGrant = m.output.snapshot.referenceGrants.find("shop", "edge-gateway-certificates");
  ASSERT_NE(shopGrant, nullptr) << m.result.yaml;
  EXPECT_EQ(shopGrant->from[0].kind, "Gateway");
  EXPECT_EQ(shopGrant->from[0].namespace_, "gateways");
  ASSERT_EQ(shopGrant->to.size(), 1u);
  EXPECT_EQ(shopGrant->to[0].kind, "Secret");
  EXPECT_EQ(shopGrant->to[0].name.value_or(""), "shop-tls");
  EXPECT_NE(m.output.snapshot.referenceGrants.find("media", "edge-gateway-certificates"), nullptr);
  const auto* blog = m.route("media", "blog");
  ASSERT_NE(blog, nullptr);
  EXPECT_EQ(blog->common.parentRefs[0].namespace_.value_or(""), "gateways");
  EXPECT_EQ(blog->common.parentRefs[0].name, "edge");
}

TEST(MigrateConvert, GatewayNamespaceDefaults) {
  // Several namespaces and no --gateway-namespace: "default".
  const auto m = migrateYaml(ingressYaml("a", rulesYaml("", {{"/a", "Prefix", "a"}}), "", "one") + "---\n" +
                             ingressYaml("b", rulesYaml("", {{"/b", "Prefix", "b"}}), "", "two"));
  EXPECT_EQ(m.gateway()->meta.namespace_, "default");
  EXPECT_EQ(m.gateway()->gatewayClassName, "portico");
  EXPECT_TRUE(m.warned({"no Ingress names an ingress class"})) << m.allLines();
}

TEST(MigrateConvert, ClassFromTheAnnotationAndConflicts) {
  const auto m = migrateYaml(
      ingressYaml("a", rulesYaml("", {{"/a", "Prefix", "a"}}), "    kubernetes.io/ingress.class: nginx\n") +
      "---\n" + ingressYaml("b", "  ingressClassName: traefik\n" + rulesYaml("", {{"/b", "Prefix", "b"}})));
  EXPECT_EQ(m.gateway()->gatewayClassName, "nginx");
  EXPECT_TRUE(m.warned({"Ingress shop/b: spec.ingressClassName: class \"traefik\" differs from \"nginx\""}))
      << m.allLines();
  migrate::Options o;
  o.gatewayClass = "portico";
  EXPECT_EQ(migrateYaml(
                ingressYaml("b", "  ingressClassName: traefik\n" + rulesYaml("", {{"/b", "Prefix", "b"}})), o)
                .gateway()
                ->gatewayClassName,
            "portico");
}

TEST(MigrateConvert, MirrorToAddsRequestMirrorToBackendRules) {
  migrate::Options o;
  std::string why;
  o.mirror = migrate::parseMirrorTarget("staging/shadow:8080", &why);
  ASSERT_TRUE(o.mirror.has_value()) << why;
  const auto m = migrateYaml(
      ingressYaml("web",
                  "  tls:\n  - hosts: [shop.example.com]\n    secretName: shop-tls\n" +
                      rulesYaml("shop.example.com", {{"/", "Prefix", "web"}, {"/api", "Prefix", "api"}})),
      o);
  const auto* r = m.route("shop", "web");
  ASSERT_NE(r, nullptr);
  for (const auto& rule : r->rules) {
    int mirrors = 0;
    for (const auto& f : rule.filters) {
      if (f.type != "RequestMirror") continue;
      ++mirrors;
      EXPECT_EQ(f.requestMirror->backendRef.name, "shadow");
      EXPECT_EQ(f.requestMirror->backendRef.namespace_.value_or(""), "staging");
      EXPECT_EQ(f.requestMirror->backendRef.port.value_or(0), 8080);
    }
    EXPECT_EQ(mirrors, 1);
  }
  // The HTTP -> HTTPS redirect serves no backend: nothing to mirror.
  for (const auto& rule : m.route("shop", "web-https-redirect")->rules) {
    for (const auto& f : rule.filters) EXPECT_NE(f.type, "RequestMirror");
  }
  const auto* g = m.output.snapshot.referenceGrants.find("staging", "httproutes-from-shop");
  ASSERT_NE(g, nullptr) << m.result.yaml;
  EXPECT_EQ(g->to[0].name.value_or(""), "shadow");
}

TEST(MigrateConvert, ParseMirrorTarget) {
  std::string why;
  auto t = migrate::parseMirrorTarget("shadow:9000", &why);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->namespace_, "");
  EXPECT_EQ(t->name, "shadow");
  EXPECT_EQ(t->port, 9000);
  for (const char* bad :
       {"shadow", "shadow:0", "shadow:70000", "Shadow:80", "a/b/c:80", ":80", "shadow:http"}) {
    EXPECT_FALSE(migrate::parseMirrorTarget(bad, &why).has_value()) << bad;
  }
}

TEST(MigrateConvert, MoreThanSixteenPathsSplitTheRoute) {
  std::vector<P> paths;
  for (int i = 0; i < 20; ++i) paths.push_back({"/p" + std::to_string(i), "Prefix", "s" + std::to_string(i)});
  const auto m = migrateYaml(ingressYaml("big", rulesYaml("big.example.com", paths)));
  ASSERT_NE(m.route("shop", "big"), nullptr);
  ASSERT_NE(m.route("shop", "big-2"), nullptr) << m.result.yaml;
  EXPECT_EQ(m.route("shop", "big")->rules.size(), 16u);
  EXPECT_EQ(m.route("shop", "big-2")->rules.size(), 4u);
}

TEST(MigrateConvert, DuplicatePathsKeepTheFirst) {
  const auto m =
      migrateYaml(ingressYaml("web", rulesYaml("", {{"/a", "Prefix", "first"}, {"/a", "Prefix", "second"}})));
  ASSERT_EQ(m.route("shop", "web")->rules.size(), 1u);
  EXPECT_EQ(m.route("shop", "web")->rules[0].backendRefs[0].ref.name, "first");
  EXPECT_TRUE(m.warned({"spec.rules[0].http.paths[1]", "already routed"}));
}

TEST(MigrateConvert, SkippedInputsAreWarned) {
  const std::string old =
      "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: old, namespace: shop}\n"
      "spec:\n  backend: {serviceName: web, servicePort: 80}\n";
  const std::string resource = ingressYaml(
      "res",
      "  rules:\n  - http:\n      paths:\n      - path: /icons\n        pathType: Prefix\n"
      "        backend:\n          resource: {apiGroup: k8s.example.com, kind: StorageBucket, name: icons}\n"
      "      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}\n");
  const auto m = migrateYaml(old + "---\n" + resource);
  EXPECT_EQ(m.result.ingresses, 1);  // the v1beta1 one is not counted as convertible
  EXPECT_EQ(m.result.converted, 1);
  EXPECT_TRUE(m.warned({"Ingress shop/old: apiVersion: extensions/v1beta1 is not converted"}))
      << m.allLines();
  EXPECT_TRUE(m.warned({"Ingress shop/res: spec.rules[0].http.paths[0].backend.resource", "StorageBucket"}))
      << m.allLines();
  EXPECT_EQ(m.route("shop", "res")->rules.size(), 1u);
}

TEST(MigrateConvert, NothingToConvert) {
  const auto r = migrate::migrateIngress({{"svc.yaml", kService}}, {});
  EXPECT_EQ(r.ingresses, 0);
  EXPECT_EQ(r.converted, 0);
  EXPECT_TRUE(r.yaml.empty());
}

TEST(MigrateConvert, ListOfIngressesFromKubectl) {
  // `kubectl get ingress -A -o yaml` gives a List, with status and managed
  // metadata the conversion ignores.
  const std::string list =
      "apiVersion: v1\nkind: List\nitems:\n"
      "- apiVersion: networking.k8s.io/v1\n  kind: Ingress\n"
      "  metadata: {name: web, namespace: shop, uid: 1234, generation: 3}\n"
      "  spec:\n    defaultBackend: {service: {name: web, port: {number: 80}}}\n"
      "  status:\n    loadBalancer:\n      ingress: [{ip: 192.0.2.1}]\n";
  const auto m = migrateYaml(list);
  EXPECT_EQ(m.result.converted, 1) << m.allLines();
  EXPECT_NE(m.route("shop", "web"), nullptr);
}

TEST(MigrateConvert, JsonInput) {
  // `kubectl get ingress -o json`.
  const std::string json = R"({"apiVersion": "v1", "kind": "List", "items": [
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
     "metadata": {"name": "web", "namespace": "shop",
                  "annotations": {"nginx.ingress.kubernetes.io/limit-rps": "5"}},
     "spec": {"rules": [{"host": "shop.example.com", "http": {"paths": [
       {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}]})";
  const auto m = migrateYaml(json, {}, "ingress.json");
  EXPECT_EQ(m.result.converted, 1);
  EXPECT_EQ(m.route("shop", "web")->hostnames, std::vector<std::string>{"shop.example.com"});
  EXPECT_TRUE(m.warned(
      {"ingress.json:1: warning: Ingress shop/web: annotation nginx.ingress.kubernetes.io/limit-rps"}))
      << m.allLines();
}

TEST(MigrateConvert, MalformedDocumentIsAnErrorOthersStillConvert) {
  const auto r = migrate::migrateIngress(
      {{"bad.yaml", "kind: [\n"}, {"good.yaml", ingressYaml("web", rulesYaml("", {{"/", "Prefix", "web"}}))}},
      {});
  EXPECT_EQ(r.converted, 1);
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.diagnostics[0].severity, api::Severity::Error);
  EXPECT_EQ(r.diagnostics[0].file, "bad.yaml");
}

}  // namespace
}  // namespace portico::testing
