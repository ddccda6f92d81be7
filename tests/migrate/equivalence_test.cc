// The realistic fixture (fixtures/storefront.yaml) end to end: the output
// (a) loads without errors through the loader `portico validate` uses,
// (b) translates with every route Accepted and ResolvedRefs True on every
// parent, and (c) routes, through the data plane's own router, each
// request of a table to the Service the Ingress rules name, with the
// canary weights, rewrites and redirects ingress-nginx applied.
#include <gtest/gtest.h>

#include <map>

#include "migrate/harness.h"
#include "router/filters.h"
#include "router/router.h"
#include "support/test_support.h"
#include "translate/translator.h"

namespace portico::testing {
namespace {

constexpr const char* kClass = R"(apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
)";

// The cluster side the output is applied to: the class, the TLS Secrets
// the Ingresses named (certificates made now, for the names they serve)
// and the Services of the fixture.
std::string world(const std::string& fixture) {
  std::string y = std::string(kClass);
  const std::vector<std::tuple<std::string, std::string, std::vector<std::string>>> secrets{
      {"shop", "shop-tls", {"shop.example.com", "www.shop.example.com"}},
      {"shop", "api-tls", {"api.example.com"}},
      {"shop", "tenants-tls", {"*.tenants.example.com"}},
      {"ops", "admin-tls", {"admin.example.com"}},
  };
  for (const auto& [ns, name, hosts] : secrets) y += "---\n" + tlsSecretYaml(ns, name, selfSigned(hosts));
  return y + "---\n" + fixture;
}

// Output + cluster objects, translated, with a router per port.
struct Routed {
  source::LoadResult applied;
  translate::Result tr;
  std::map<int, std::shared_ptr<const router::BindRouter>> routers;

  void build(const std::string& yaml) {
    applied = source::loadString(yaml, "applied.yaml");
    tr = translate::translate(applied.snapshot);
    routers.clear();
    for (const auto& b : tr.ir.binds) routers[b.port] = router::BindRouter::build(b);
  }

  // What a request gets: "404", "redirect 308 https://host/path", or the
  // backends "ns/svc:port" (with "=weight" when several) and the path the
  // backend sees when rewritten ("path=/x").
  std::string outcome(const std::string& scheme, const std::string& host, const std::string& path,
                      std::vector<std::pair<std::string, std::string>> headers = {}) const {
    const int port = scheme == "https" ? 443 : 80;
    auto it = routers.find(port);
    if (it == routers.end()) return "no bind on port " + std::to_string(port);
    const router::BindRouter& r = *it->second;
    std::vector<http1::Header> hs;
    for (const auto& [n, v] : headers) hs.push_back({n, v});
    const router::RequestView req{host, path, "", "GET", hs, false};
    const ir::Listener* sni = scheme == "https" ? r.listenerForSni(host) : nullptr;
    if (scheme == "https" && !sni) return "no certificate for " + host;
    const auto match = r.route(req, sni);
    if (match.status != 0) return std::to_string(match.status);
    const ir::Route& route = *match.route;
    if (route.filters.redirect) {
      const auto& rd = *route.filters.redirect;
      const std::string p =
          rd.path.kind == ir::PathRewriteKind::None ? path : router::rewritePath(rd.path, path);
      return "redirect " + std::to_string(rd.statusCode) + " " +
             router::redirectLocation(rd, scheme, host, port, p, "");
    }
    std::string out;
    for (const auto& b : route.backends) {
      if (!out.empty()) out += " ";
      out += b.cluster.empty() ? "<invalid>" : b.cluster;
      if (route.backends.size() > 1) out += "=" + std::to_string(b.weight);
    }
    if (route.filters.rewrite && route.filters.rewrite->path.kind != ir::PathRewriteKind::None) {
      out += " path=" + router::rewritePath(route.filters.rewrite->path, path);
    }
    return out;
  }
};

struct MigrateStorefront : ::testing::Test {
  static inline Migrated m;
  static inline Routed routed;
  static inline const source::LoadResult& applied = routed.applied;
  static inline const translate::Result& tr = routed.tr;
  static inline const std::map<int, std::shared_ptr<const router::BindRouter>>& routers = routed.routers;

  static void SetUpTestSuite() {
    migrate::Options o;
    o.gatewayClass = "portico";
    o.gatewayNamespace = "infra";
    const std::string fixture = readFile(sourceDir() + "/tests/migrate/fixtures/storefront.yaml");
    m = migrateYaml(fixture, o, "storefront.yaml");
    // The fixture's Ingresses are skipped by the loader (unknown kind);
    // its Services are what the routes resolve to.
    routed.build(world(fixture) + "---\n" + m.result.yaml);
  }
  static void TearDownTestSuite() {
    routed = {};
    m = {};
  }

  static std::string outcome(const std::string& scheme, const std::string& host, const std::string& path,
                             std::vector<std::pair<std::string, std::string>> headers = {}) {
    return routed.outcome(scheme, host, path, std::move(headers));
  }
};

TEST_F(MigrateStorefront, OutputLoadsWithoutErrors) {
  EXPECT_GT(m.result.converted, 0);
  EXPECT_EQ(m.result.converted, 6) << m.allLines();
  for (const auto& d : m.output.diagnostics) EXPECT_NE(d.severity, api::Severity::Error) << d.format();
  EXPECT_EQ(m.output.objectsByKind["Gateway"], 1);
  EXPECT_EQ(m.output.objectsByKind["HTTPRoute"], m.result.httpRoutes);
  EXPECT_EQ(m.output.objectsByKind["ReferenceGrant"], 2);  // certificates in shop and in ops
  for (const auto& d : applied.diagnostics) {
    EXPECT_NE(d.severity, api::Severity::Error) << d.format();
  }
}

TEST_F(MigrateStorefront, EveryRouteAcceptedWithResolvedRefs) {
  ASSERT_GE(applied.snapshot.httpRoutes.size(), 8u);
  for (const auto& [key, route] : applied.snapshot.httpRoutes) {
    const auto* obj = tr.status.find(api::Kind::HTTPRoute, route->meta.namespace_, route->meta.name);
    ASSERT_NE(obj, nullptr) << key;
    const auto* rs = std::get_if<status::RouteStatus>(&obj->status);
    ASSERT_NE(rs, nullptr) << key;
    ASSERT_EQ(rs->parents.size(), route->common.parentRefs.size()) << key;
    for (const auto& p : rs->parents) {
      for (const char* type : {"Accepted", "ResolvedRefs"}) {
        const auto* c = status::findCondition(p.conditions, type);
        ASSERT_NE(c, nullptr) << key << " " << type;
        EXPECT_EQ(c->status, "True") << key << " " << type << ": " << c->reason << ": " << c->message;
      }
    }
  }
  const auto* gw = tr.status.find(api::Kind::Gateway, "infra", "portico");
  ASSERT_NE(gw, nullptr);
  const auto* gs = std::get_if<status::GatewayStatus>(&gw->status);
  ASSERT_NE(gs, nullptr);
  for (const auto& l : gs->listeners) {
    for (const char* type : {"Accepted", "Programmed", "ResolvedRefs"}) {
      const auto* c = status::findCondition(l.conditions, type);
      ASSERT_NE(c, nullptr) << l.name << " " << type;
      EXPECT_EQ(c->status, "True") << l.name << " " << type << ": " << c->message;
    }
  }
}

TEST_F(MigrateStorefront, RoutesLikeTheIngressRules) {
  struct Row {
    std::string scheme, host, path;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string expect;
  };
  const std::vector<Row> table = {
      // storefront: TLS hosts redirect plain HTTP (ssl-redirect's default).
      {"http", "shop.example.com", "/cart", {}, "redirect 308 https://shop.example.com/cart"},
      {"http", "www.shop.example.com", "/landing", {}, "redirect 308 https://www.shop.example.com/landing"},
      {"https", "shop.example.com", "/cart", {}, "shop/cart:80"},
      {"https", "shop.example.com", "/cart/items/7", {}, "shop/cart:80"},
      {"https", "shop.example.com", "/cartoon", {}, "shop/web:80"},  // Prefix matches segments
      {"https", "shop.example.com", "/static/app.js", {}, "shop/static:80"},
      {"https", "shop.example.com", "/healthz", {}, "shop/health:8081"},
      {"https", "shop.example.com", "/healthz/deep", {}, "shop/web:80"},  // Exact only
      {"https", "shop.example.com", "/", {}, "shop/web:80"},              // default backend
      {"https", "shop.example.com", "/search", {}, "shop/web:80"},        // default backend
      {"https", "www.shop.example.com", "/landing/spring", {}, "shop/landing:80"},
      {"https", "www.shop.example.com", "/", {}, "shop/web:80"},
      // api: rewrite-target /$2 strips the version; 25% canary, X-Canary overrides.
      {"http", "api.example.com", "/v1/users", {}, "redirect 308 https://api.example.com/v1/users"},
      {"https", "api.example.com", "/v1/users", {}, "shop/api:8080=75 shop/api-v2:8080=25 path=/users"},
      {"https", "api.example.com", "/v1", {}, "shop/api:8080=75 shop/api-v2:8080=25 path=/"},
      {"https", "api.example.com", "/v1/users", {{"X-Canary", "always"}}, "shop/api-v2:8080 path=/users"},
      {"https", "api.example.com", "/v1/users", {{"X-Canary", "never"}}, "shop/api:8080 path=/users"},
      {"https",
       "api.example.com",
       "/v1/users",
       {{"X-Canary", "maybe"}},
       "shop/api:8080=75 shop/api-v2:8080=25 path=/users"},
      {"https", "api.example.com", "/v2/orders/9", {}, "shop/api-v2:8080 path=/orders/9"},
      {"https",
       "api.example.com",
       "/v2/orders/9",
       {{"X-Canary", "always"}},
       "shop/api-v2:8080 path=/orders/9"},
      {"https", "api.example.com", "/v3", {}, "404"},
      // tenants: wildcard host and certificate.
      {"https", "acme.tenants.example.com", "/login", {}, "shop/tenant:80"},
      {"http",
       "acme.tenants.example.com",
       "/login",
       {},
       "redirect 308 https://acme.tenants.example.com/login"},
      // retired: permanent-redirect answers every path of the Ingress.
      {"http", "old-shop.example.com", "/anything", {}, "redirect 301 https://shop.example.com/"},
      // admin (namespace ops): ssl-redirect "false" serves both schemes.
      {"http", "admin.example.com", "/dashboard", {}, "ops/admin:9000"},
      {"https", "admin.example.com", "/dashboard", {}, "ops/admin:9000"},
      // No Ingress names these.
      {"http", "unknown.example.com", "/", {}, "404"},
      {"https", "unknown.example.com", "/", {}, "no certificate for unknown.example.com"},
  };
  for (const auto& row : table) {
    EXPECT_EQ(outcome(row.scheme, row.host, row.path, row.headers), row.expect)
        << row.scheme << "://" << row.host << row.path << (row.headers.empty() ? "" : " +header");
  }
}

TEST_F(MigrateStorefront, TimeoutsAndCertificatesCarriedOver) {
  // proxy-read-timeout 90 -> backendRequest 1m30s on every storefront rule.
  const auto* r = m.route("shop", "storefront-shop-example-com");
  ASSERT_NE(r, nullptr) << ::testing::PrintToString(m.routeNames());
  for (const auto& rule : r->rules) {
    ASSERT_TRUE(rule.timeouts.has_value());
    EXPECT_EQ(rule.timeouts->backendRequest.value_or(""), "1m30s");
  }
  // Served certificates: the listener of each TLS host holds its Secret.
  auto it = routers.find(443);
  ASSERT_NE(it, routers.end());
  const ir::Listener* l = it->second->listenerForSni("www.shop.example.com");
  ASSERT_NE(l, nullptr);
  ASSERT_EQ(l->certificates.size(), 1u);
  EXPECT_EQ(l->certificates[0].secret, "shop/shop-tls");
  l = it->second->listenerForSni("x.tenants.example.com");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->hostname.value_or(""), "*.tenants.example.com");
}

TEST_F(MigrateStorefront, WarnsAboutWhatDidNotCarryOver) {
  EXPECT_TRUE(m.warned({"storefront.yaml:",
                        "warning: Ingress shop/storefront: annotation "
                        "nginx.ingress.kubernetes.io/proxy-body-size: not carried over"}))
      << m.allLines();
  EXPECT_TRUE(m.warned({"Ingress shop/storefront: annotation nginx.ingress.kubernetes.io/proxy-read-timeout",
                        "backendRequest 1m30s"}));
  // The last-applied annotation kubectl writes is not the user's: no warning.
  EXPECT_FALSE(m.warned({"last-applied-configuration"}));
  // Every named port resolved from the Services in the input.
  EXPECT_FALSE(m.warned({"placeholder"})) << m.allLines();
}

TEST_F(MigrateStorefront, OutputIsStableAcrossInputOrder) {
  // The same documents in reverse order give the same manifests.
  std::string fixture = readFile(sourceDir() + "/tests/migrate/fixtures/storefront.yaml");
  std::vector<std::string> docs;
  size_t start = 0;
  while (true) {
    const size_t sep = fixture.find("\n---\n", start);
    docs.push_back(fixture.substr(start, sep == std::string::npos ? std::string::npos : sep - start + 1));
    if (sep == std::string::npos) break;
    start = sep + 5;
  }
  std::string reversed;
  for (auto it = docs.rbegin(); it != docs.rend(); ++it) reversed += *it + "\n---\n";
  migrate::Options o;
  o.gatewayClass = "portico";
  o.gatewayNamespace = "infra";
  const Migrated again = migrateYaml(reversed, o, "storefront.yaml");
  // Comments name source lines, which moved: compare without them.
  auto strip = [](const std::string& y) {
    std::string out;
    size_t pos = 0;
    while (pos < y.size()) {
      size_t nl = y.find('\n', pos);
      if (nl == std::string::npos) nl = y.size();
      if (y[pos] != '#') out += y.substr(pos, nl - pos + 1);
      pos = nl + 1;
    }
    return out;
  };
  EXPECT_EQ(strip(again.result.yaml), strip(m.result.yaml));
}

// The documented difference (docs/migrate-ingress.md, "Known differences"):
// a path no rule of a host matches falls through to host-less routes of the
// listener in Portico, where ingress-nginx answered 404.
TEST(MigrateKnownDifferences, HostlessRulesCatchOtherHostsUnmatchedPaths) {
  const auto m =
      migrateYaml(ingressYaml("api", rulesYaml("shop.example.com", {{"/api", "Prefix", "api"}})) + "---\n" +
                  ingressYaml("catch-all", rulesYaml("", {{"/", "Prefix", "fallback"}})));
  Routed r;
  r.build(
      std::string(kClass) + "---\n" +
      "apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\nspec:\n  ports: [{port: 80}]\n"
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: fallback, namespace: shop}\nspec:\n"
      "  ports: [{port: 80}]\n---\n" +
      m.result.yaml);
  ASSERT_TRUE(r.tr.ir.binds.size() == 1) << m.result.yaml;
  EXPECT_EQ(r.outcome("http", "shop.example.com", "/api/x"), "shop/api:80");
  EXPECT_EQ(r.outcome("http", "other.example.com", "/x"), "shop/fallback:80");  // as with ingress-nginx
  EXPECT_EQ(r.outcome("http", "shop.example.com", "/x"), "shop/fallback:80");   // ingress-nginx: 404
}

}  // namespace
}  // namespace portico::testing
