// One test per ingress-nginx annotation mapping, and the warnings for what
// cannot be carried over. Each converts a small Ingress, loads the output
// with the loader `portico validate` uses (migrateYaml fails the test on
// any error) and inspects the typed objects.
#include "migrate/annotations.h"

#include <gtest/gtest.h>

#include "migrate/harness.h"

namespace portico::testing {
namespace {

const std::string kTls = "  tls:\n  - hosts: [shop.example.com]\n    secretName: shop-tls\n";

const api::HTTPRouteFilter* findFilter(const api::HTTPRouteRule& r, const std::string& type) {
  for (const auto& f : r.filters) {
    if (f.type == type) return &f;
  }
  return nullptr;
}

TEST(MigrateAnnotations, RewriteTargetWithCaptureGroup) {
  const auto m = migrateYaml(
      ingressYaml("api", rulesYaml("api.example.com", {{"/v1(/|$)(.*)", "ImplementationSpecific", "api"}}),
                  nginx("rewrite-target", "/$2")));
  const auto* r = m.route("shop", "api");
  ASSERT_NE(r, nullptr) << m.result.yaml;
  ASSERT_EQ(r->rules.size(), 1u);
  EXPECT_EQ(r->rules[0].matches[0].path->type, "PathPrefix");
  EXPECT_EQ(r->rules[0].matches[0].path->value, "/v1");
  const auto* f = findFilter(r->rules[0], "URLRewrite");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->urlRewrite->path->type, "ReplacePrefixMatch");
  EXPECT_EQ(f->urlRewrite->path->replacePrefixMatch.value_or(""), "/");
  EXPECT_FALSE(m.warned({"rewrite-target"})) << m.allLines();
}

TEST(MigrateAnnotations, RewriteTargetNotExpressibleIsWarned) {
  const auto m = migrateYaml(
      ingressYaml("api", rulesYaml("", {{"/user/([0-9]+)/profile", "ImplementationSpecific", "api"}}),
                  nginx("rewrite-target", "/profiles/$1")));
  const auto* r = m.route("shop", "api");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->rules[0].matches[0].path->type, "RegularExpression");
  EXPECT_EQ(findFilter(r->rules[0], "URLRewrite"), nullptr);
  EXPECT_TRUE(m.warned(
      {"in.yaml:7: warning: Ingress shop/api: annotation nginx.ingress.kubernetes.io/rewrite-target:",
       "cannot be expressed"}))
      << m.allLines();
}

TEST(MigrateAnnotations, RewriteTargetWithoutGroupReplacesTheWholePath) {
  const auto m = migrateYaml(
      ingressYaml("pay", rulesYaml("", {{"/pay", "Prefix", "pay"}}), nginx("rewrite-target", "/")));
  const auto* f = findFilter(m.route("shop", "pay")->rules[0], "URLRewrite");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->urlRewrite->path->type, "ReplaceFullPath");
  EXPECT_EQ(f->urlRewrite->path->replaceFullPath.value_or(""), "/");
  // ingress-nginx matched /pay as a regex (also /payment); PathPrefix does not.
  EXPECT_TRUE(m.warned({"annotation nginx.ingress.kubernetes.io/rewrite-target", "whole segments"}))
      << m.allLines();
}

TEST(MigrateAnnotations, SslRedirectDefaultForTlsHosts) {
  const auto m =
      migrateYaml(ingressYaml("web", kTls + rulesYaml("shop.example.com", {{"/", "Prefix", "web"}})));
  const auto* web = m.route("shop", "web");
  const auto* redirect = m.route("shop", "web-https-redirect");
  ASSERT_NE(web, nullptr) << m.result.yaml;
  ASSERT_NE(redirect, nullptr) << m.result.yaml;
  ASSERT_EQ(web->common.parentRefs.size(), 1u);
  EXPECT_EQ(web->common.parentRefs[0].sectionName.value_or(""), "https-shop-example-com");
  ASSERT_EQ(redirect->common.parentRefs.size(), 1u);
  EXPECT_EQ(redirect->common.parentRefs[0].sectionName.value_or(""), "http");
  const auto* f = findFilter(redirect->rules[0], "RequestRedirect");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->requestRedirect->scheme.value_or(""), "https");
  EXPECT_EQ(f->requestRedirect->statusCode, 308);
  EXPECT_TRUE(redirect->rules[0].backendRefs.empty());
}

TEST(MigrateAnnotations, SslRedirectFalseServesBothSchemes) {
  const auto m = migrateYaml(ingressYaml(
      "web", kTls + rulesYaml("shop.example.com", {{"/", "Prefix", "web"}}), nginx("ssl-redirect", "false")));
  EXPECT_EQ(m.route("shop", "web-https-redirect"), nullptr);
  const auto* web = m.route("shop", "web");
  ASSERT_NE(web, nullptr);
  ASSERT_EQ(web->common.parentRefs.size(), 2u);
  EXPECT_EQ(web->common.parentRefs[0].sectionName.value_or(""), "http");
  EXPECT_EQ(web->common.parentRefs[1].sectionName.value_or(""), "https-shop-example-com");
}

TEST(MigrateAnnotations, ForceSslRedirect) {
  // With TLS: redirect even when ssl-redirect says no.
  const auto m =
      migrateYaml(ingressYaml("web", kTls + rulesYaml("shop.example.com", {{"/", "Prefix", "web"}}),
                              nginx("ssl-redirect", "false") + nginx("force-ssl-redirect", "true")));
  EXPECT_NE(m.route("shop", "web-https-redirect"), nullptr) << m.result.yaml;
  // Without any TLS host: nothing to redirect to; warned, served on HTTP.
  const auto n = migrateYaml(ingressYaml("web", rulesYaml("shop.example.com", {{"/", "Prefix", "web"}}),
                                         nginx("force-ssl-redirect", "true")));
  EXPECT_EQ(n.route("shop", "web-https-redirect"), nullptr);
  EXPECT_TRUE(n.warned({"annotation nginx.ingress.kubernetes.io/force-ssl-redirect", "no HTTPS listener"}))
      << n.allLines();
}

TEST(MigrateAnnotations, BackendProtocol) {
  const auto https = migrateYaml(
      ingressYaml("web", rulesYaml("", {{"/", "Prefix", "secure"}}), nginx("backend-protocol", "HTTPS")));
  EXPECT_TRUE(
      https.warned({"annotation nginx.ingress.kubernetes.io/backend-protocol", "BackendTLSPolicy", "secure"}))
      << https.allLines();
  const auto grpc = migrateYaml(
      ingressYaml("rpc", rulesYaml("", {{"/", "Prefix", "rpc"}}), nginx("backend-protocol", "GRPC")));
  EXPECT_TRUE(grpc.warned({"backend-protocol", "appProtocol: kubernetes.io/h2c", "GRPCRoute"}))
      << grpc.allLines();
  EXPECT_EQ(grpc.result.httpRoutes, 1);  // still converted, as an HTTPRoute
  const auto plain = migrateYaml(
      ingressYaml("web", rulesYaml("", {{"/", "Prefix", "web"}}), nginx("backend-protocol", "HTTP")));
  EXPECT_FALSE(plain.warned({"backend-protocol"}));
}

std::string canaryPair(const std::string& canaryAnnotations, const std::string& canaryNs = "shop") {
  return ingressYaml("web", rulesYaml("shop.example.com", {{"/", "Prefix", "web-v1"}})) + "---\n" +
         ingressYaml("web-canary", rulesYaml("shop.example.com", {{"/", "Prefix", "web-v2"}}),
                     nginx("canary", "true") + canaryAnnotations, canaryNs);
}

TEST(MigrateAnnotations, CanaryWeightBecomesWeightedBackendRefs) {
  const auto m = migrateYaml(canaryPair(nginx("canary-weight", "10")));
  EXPECT_EQ(m.result.converted, 2);
  EXPECT_EQ(m.route("shop", "web-canary"), nullptr);  // merged, no route of its own
  const auto* r = m.route("shop", "web");
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->rules.size(), 1u);
  const auto& refs = r->rules[0].backendRefs;
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].ref.name, "web-v1");
  EXPECT_EQ(refs[0].weight, 90);
  EXPECT_EQ(refs[1].ref.name, "web-v2");
  EXPECT_EQ(refs[1].weight, 10);
}

TEST(MigrateAnnotations, CanaryWeightTotal) {
  const auto m = migrateYaml(canaryPair(nginx("canary-weight", "3") + nginx("canary-weight-total", "1000")));
  const auto& refs = m.route("shop", "web")->rules[0].backendRefs;
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].weight, 997);
  EXPECT_EQ(refs[1].weight, 3);
}

TEST(MigrateAnnotations, CanaryByHeader) {
  const auto m = migrateYaml(canaryPair(nginx("canary-by-header", "X-Beta")));
  const auto* r = m.route("shop", "web");
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->rules.size(), 3u) << m.result.yaml;
  EXPECT_EQ(r->rules[0].backendRefs.size(), 1u);  // no weight: the primary alone
  EXPECT_EQ(r->rules[1].matches[0].headers[0].name, "X-Beta");
  EXPECT_EQ(r->rules[1].matches[0].headers[0].value, "never");
  EXPECT_EQ(r->rules[1].backendRefs[0].ref.name, "web-v1");
  EXPECT_EQ(r->rules[2].matches[0].headers[0].value, "always");
  EXPECT_EQ(r->rules[2].backendRefs[0].ref.name, "web-v2");
}

TEST(MigrateAnnotations, CanaryByHeaderValueAndCookie) {
  const auto m =
      migrateYaml(canaryPair(nginx("canary-by-header", "X-Beta") + nginx("canary-by-header-value", "yes") +
                             nginx("canary-by-cookie", "beta")));
  const auto* r = m.route("shop", "web");
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->rules.size(), 4u) << m.result.yaml;
  EXPECT_EQ(r->rules[1].matches[0].headers[0].value, "yes");
  EXPECT_EQ(r->rules[1].backendRefs[0].ref.name, "web-v2");
  EXPECT_EQ(r->rules[2].matches[0].headers[0].name, "Cookie");
  EXPECT_EQ(r->rules[2].matches[0].headers[0].type, "RegularExpression");
  EXPECT_EQ(r->rules[2].backendRefs[0].ref.name, "web-v1");  // beta=never
  EXPECT_EQ(r->rules[3].backendRefs[0].ref.name, "web-v2");  // beta=always
  EXPECT_TRUE(m.warned({"annotation nginx.ingress.kubernetes.io/canary-by-cookie", "cannot match cookies"}));
}

TEST(MigrateAnnotations, CanaryInAnotherNamespaceGetsAGrant) {
  const auto m = migrateYaml(canaryPair(nginx("canary-weight", "50"), "next"));
  const auto& refs = m.route("shop", "web")->rules[0].backendRefs;
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[1].ref.namespace_.value_or(""), "next");
  const auto* g = m.output.snapshot.referenceGrants.find("next", "httproutes-from-shop");
  ASSERT_NE(g, nullptr) << m.result.yaml;
  ASSERT_EQ(g->to.size(), 1u);
  EXPECT_EQ(g->to[0].kind, "Service");
  EXPECT_EQ(g->to[0].name.value_or(""), "web-v2");
  EXPECT_EQ(g->from[0].kind, "HTTPRoute");
  EXPECT_EQ(g->from[0].namespace_, "shop");
}

TEST(MigrateAnnotations, CanaryWithoutPrimaryIsWarned) {
  const auto m =
      migrateYaml(ingressYaml("web", rulesYaml("shop.example.com", {{"/", "Prefix", "web"}})) + "---\n" +
                  ingressYaml("lonely", rulesYaml("other.example.com", {{"/", "Prefix", "web-v2"}}),
                              nginx("canary", "true") + nginx("canary-weight", "5")));
  EXPECT_EQ(m.result.converted, 1);
  EXPECT_TRUE(m.warned({"Ingress shop/lonely: spec.rules[0].http.paths[0]",
                        "no primary Ingress serves host "
                        "other.example.com"}))
      << m.allLines();
}

TEST(MigrateAnnotations, CanaryOwnAnnotationsAreIgnored) {
  const auto m = migrateYaml(canaryPair(nginx("canary-weight", "5") + nginx("rewrite-target", "/")));
  EXPECT_TRUE(m.warned({"Ingress shop/web-canary: annotation nginx.ingress.kubernetes.io/rewrite-target",
                        "ignored on a canary Ingress"}))
      << m.allLines();
  EXPECT_EQ(findFilter(m.route("shop", "web")->rules[0], "URLRewrite"), nullptr);
}

TEST(MigrateAnnotations, PermanentRedirect) {
  const auto m = migrateYaml(
      ingressYaml("old", rulesYaml("old.example.com", {{"/", "Prefix", "web"}, {"/a", "Prefix", "a"}}),
                  nginx("permanent-redirect", "https://new.example.com:8443/welcome") +
                      nginx("permanent-redirect-code", "308")));
  const auto* r = m.route("shop", "old");
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->rules.size(), 2u);
  for (const auto& rule : r->rules) {
    EXPECT_TRUE(rule.backendRefs.empty());
    const auto* f = findFilter(rule, "RequestRedirect");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->requestRedirect->scheme.value_or(""), "https");
    EXPECT_EQ(f->requestRedirect->hostname.value_or(""), "new.example.com");
    EXPECT_EQ(f->requestRedirect->port.value_or(0), 8443);
    EXPECT_EQ(f->requestRedirect->path->replaceFullPath.value_or(""), "/welcome");
    EXPECT_EQ(f->requestRedirect->statusCode, 308);
  }
}

TEST(MigrateAnnotations, TemporalRedirectKeepsPathWithRequestUri) {
  const auto m =
      migrateYaml(ingressYaml("old", rulesYaml("", {{"/", "Prefix", "web"}}),
                              nginx("temporal-redirect", "https://maintenance.example.com$request_uri")));
  const auto* f = findFilter(m.route("shop", "old")->rules[0], "RequestRedirect");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->requestRedirect->statusCode, 302);
  EXPECT_EQ(f->requestRedirect->hostname.value_or(""), "maintenance.example.com");
  EXPECT_FALSE(f->requestRedirect->path.has_value());
}

TEST(MigrateAnnotations, RedirectUrlParts) {
  std::string why, dropped;
  auto r = migrate::redirectFromUrl("https://www.example.com", 301, &why, &dropped);
  ASSERT_TRUE(r.has_value()) << why;
  EXPECT_EQ(r->path->replaceFullPath.value_or(""), "/");  // nginx answers the bare URL: "/"
  r = migrate::redirectFromUrl("http://x.example.com/a?b=1", 301, &why, &dropped);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(dropped, "query \"?b=1\"");
  EXPECT_FALSE(migrate::redirectFromUrl("ftp://x.example.com/", 301, &why, &dropped));
  EXPECT_FALSE(migrate::redirectFromUrl("https://$host/x", 301, &why, &dropped));
  r = migrate::redirectFromUrl("/moved", 302, &why, &dropped);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->hostname.has_value());
  EXPECT_EQ(r->path->replaceFullPath.value_or(""), "/moved");
}

TEST(MigrateAnnotations, RedirectWithUnsupportedCodeWarns) {
  const auto m = migrateYaml(ingressYaml(
      "old", rulesYaml("", {{"/", "Prefix", "web"}}),
      nginx("permanent-redirect", "https://new.example.com") + nginx("permanent-redirect-code", "399")));
  EXPECT_EQ(findFilter(m.route("shop", "old")->rules[0], "RequestRedirect")->requestRedirect->statusCode,
            301);
  EXPECT_TRUE(m.warned({"permanent-redirect-code", "not 399"})) << m.allLines();
}

TEST(MigrateAnnotations, ProxyTimeoutsBecomeBackendRequest) {
  const auto m =
      migrateYaml(ingressYaml("slow", rulesYaml("", {{"/", "Prefix", "web"}}),
                              nginx("proxy-read-timeout", "3600") + nginx("proxy-send-timeout", "120") +
                                  nginx("proxy-connect-timeout", "5")));
  const auto& rule = m.route("shop", "slow")->rules[0];
  ASSERT_TRUE(rule.timeouts.has_value());
  EXPECT_EQ(rule.timeouts->backendRequest.value_or(""), "1h");
  EXPECT_FALSE(rule.timeouts->request.has_value());
  EXPECT_TRUE(m.warned({"proxy-read-timeout", "backendRequest 1h"})) << m.allLines();
  EXPECT_TRUE(m.warned({"proxy-connect-timeout", "no connect timeout"}));
  const auto bad = migrateYaml(
      ingressYaml("slow", rulesYaml("", {{"/", "Prefix", "web"}}), nginx("proxy-read-timeout", "1m")));
  EXPECT_FALSE(bad.route("shop", "slow")->rules[0].timeouts.has_value());
  EXPECT_TRUE(bad.warned({"proxy-read-timeout", "\"1m\" is not an integer"}));
}

TEST(MigrateAnnotations, FormatDuration) {
  EXPECT_EQ(migrate::formatDuration(90), "1m30s");
  EXPECT_EQ(migrate::formatDuration(3600), "1h");
  EXPECT_EQ(migrate::formatDuration(3661), "1h1m1s");
  EXPECT_EQ(migrate::formatDuration(5), "5s");
}

TEST(MigrateAnnotations, AppRoot) {
  const auto m = migrateYaml(ingressYaml(
      "app", kTls + rulesYaml("shop.example.com", {{"/", "Prefix", "web"}}), nginx("app-root", "/app1")));
  const auto* r = m.route("shop", "app");
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->rules.size(), 2u);
  EXPECT_EQ(r->rules[0].matches[0].path->type, "Exact");
  EXPECT_EQ(r->rules[0].matches[0].path->value, "/");
  const auto* f = findFilter(r->rules[0], "RequestRedirect");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->requestRedirect->statusCode, 302);
  EXPECT_EQ(f->requestRedirect->path->replaceFullPath.value_or(""), "/app1");
  EXPECT_FALSE(f->requestRedirect->hostname.has_value());  // stays on the request's host
}

TEST(MigrateAnnotations, EnableCorsDefaults) {
  const auto m =
      migrateYaml(ingressYaml("api", rulesYaml("", {{"/", "Prefix", "api"}}), nginx("enable-cors", "true")));
  const auto* f = findFilter(m.route("shop", "api")->rules[0], "CORS");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->cors->allowOrigins, std::vector<std::string>{"*"});
  EXPECT_EQ(f->cors->allowMethods,
            (std::vector<std::string>{"GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"}));
  EXPECT_EQ(f->cors->allowCredentials.value_or(false), true);
  EXPECT_EQ(f->cors->maxAge, 1728000);
  EXPECT_FALSE(m.warned({"cors"})) << m.allLines();
}

TEST(MigrateAnnotations, EnableCorsSettings) {
  const auto m = migrateYaml(ingressYaml(
      "api", rulesYaml("", {{"/", "Prefix", "api"}}),
      nginx("enable-cors", "true") +
          nginx("cors-allow-origin", "https://app.example.com, https://*.example.org/, bad") +
          nginx("cors-allow-methods", "get, post") + nginx("cors-allow-headers", "X-Token,Content-Type") +
          nginx("cors-expose-headers", "X-Trace") + nginx("cors-allow-credentials", "false") +
          nginx("cors-max-age", "600")));
  const auto* f = findFilter(m.route("shop", "api")->rules[0], "CORS");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->cors->allowOrigins,
            (std::vector<std::string>{"https://app.example.com", "https://*.example.org"}));
  EXPECT_EQ(f->cors->allowMethods, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_EQ(f->cors->allowHeaders, (std::vector<std::string>{"X-Token", "Content-Type"}));
  EXPECT_EQ(f->cors->exposeHeaders, std::vector<std::string>{"X-Trace"});
  EXPECT_EQ(f->cors->allowCredentials.value_or(true), false);
  EXPECT_EQ(f->cors->maxAge, 600);
  EXPECT_TRUE(m.warned({"cors-allow-origin", "origin \"bad\""})) << m.allLines();
}

TEST(MigrateAnnotations, CorsSettingsWithoutEnableAreWarned) {
  const auto m = migrateYaml(ingressYaml("api", rulesYaml("", {{"/", "Prefix", "api"}}),
                                         nginx("cors-allow-origin", "https://app.example.com")));
  EXPECT_EQ(findFilter(m.route("shop", "api")->rules[0], "CORS"), nullptr);
  EXPECT_TRUE(m.warned({"cors-allow-origin", "enable-cors is not set"}));
}

TEST(MigrateAnnotations, UpstreamVhost) {
  const auto m = migrateYaml(ingressYaml("ext", rulesYaml("", {{"/", "Prefix", "ext"}}),
                                         nginx("upstream-vhost", "internal.example.com")));
  const auto* f = findFilter(m.route("shop", "ext")->rules[0], "URLRewrite");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->urlRewrite->hostname.value_or(""), "internal.example.com");
}

TEST(MigrateAnnotations, EveryOtherAnnotationIsWarnedWithAReason) {
  const auto m = migrateYaml(
      ingressYaml("web", rulesYaml("", {{"/", "Prefix", "web"}}),
                  nginx("proxy-body-size", "10m") + nginx("auth-url", "http://auth/check") +
                      nginx("limit-rps", "5") + nginx("whitelist-source-range", "10.0.0.0/8") +
                      nginx("configuration-snippet", "more_set_headers x;") + nginx("affinity", "cookie") +
                      nginx("load-balance", "ewma") + nginx("made-up-annotation", "1") +
                      "    cert-manager.io/cluster-issuer: letsencrypt\n    example.com/team: web\n"));
  struct Expect {
    std::string annotation, reason;
  };
  for (const auto& e : std::vector<Expect>{
           {"nginx.ingress.kubernetes.io/proxy-body-size", "--max-request-body"},
           {"nginx.ingress.kubernetes.io/auth-url", "ExternalAuth"},
           {"nginx.ingress.kubernetes.io/limit-rps", "rate limiting"},
           {"nginx.ingress.kubernetes.io/whitelist-source-range", "client address filtering"},
           {"nginx.ingress.kubernetes.io/configuration-snippet", "raw nginx configuration"},
           {"nginx.ingress.kubernetes.io/affinity", "sessionPersistence"},
           {"nginx.ingress.kubernetes.io/load-balance", "portico.dev/load-balancer"},
           {"nginx.ingress.kubernetes.io/made-up-annotation", "no Gateway API equivalent"},
           {"cert-manager.io/cluster-issuer", "Gateway"},
           {"example.com/team", "not an ingress-nginx annotation"},
       }) {
    EXPECT_EQ(m.find({"warning: Ingress shop/web: annotation " + e.annotation + ": ", e.reason}).size(), 1u)
        << e.annotation << "\n"
        << m.allLines();
  }
  EXPECT_EQ(m.result.converted, 1);  // warnings never stop the conversion
}

TEST(MigrateAnnotations, WarningLinesPointAtTheAnnotation) {
  const std::string yaml =
      "apiVersion: networking.k8s.io/v1\n"                  // 1
      "kind: Ingress\n"                                     // 2
      "metadata:\n"                                         // 3
      "  name: web\n"                                       // 4
      "  namespace: shop\n"                                 // 5
      "  annotations:\n"                                    // 6
      "    nginx.ingress.kubernetes.io/limit-rps: \"5\"\n"  // 7
      "spec:\n"
      "  defaultBackend:\n"
      "    service: {name: web, port: {number: 80}}\n";
  const auto m = migrateYaml("# leading comment\n---\n" + yaml, {}, "ingress.yaml");
  EXPECT_TRUE(m.warned(
      {"ingress.yaml:9: warning: Ingress shop/web: annotation nginx.ingress.kubernetes.io/limit-rps: "
       "not carried over: rate limiting has no Gateway API equivalent"}))
      << m.allLines();
}

}  // namespace
}  // namespace portico::testing
