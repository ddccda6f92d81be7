// CORS (§12.15), including the expectations of conformance HTTPRouteCORS.
#include <gtest/gtest.h>

#include <map>

#include "router/router_scenario.h"

namespace portico::testing {
namespace {

using router::CorsKind;

ir::Cors multiple() {
  ir::Cors c;
  c.allowOrigins = {"https://www.foo.com", "https://*.bar.com"};
  c.allowMethods = {"GET", "OPTIONS"};
  c.allowHeaders = {"x-header-1", "x-header-2"};
  c.exposeHeaders = {"x-header-3", "x-header-4"};
  c.allowCredentials = true;
  c.maxAge = 3600;
  return c;
}

std::map<std::string, std::string> asMap(const router::CorsResult& r) {
  std::map<std::string, std::string> m;
  for (const auto& [k, v] : r.headers) m[k] = v;
  return m;
}

router::CorsResult preflight(const ir::Cors& c, std::string_view origin, std::string_view method,
                             std::optional<std::string_view> headers = std::nullopt) {
  return router::evaluateCors(c, origin, "OPTIONS", method, headers);
}

TEST(CorsOrigin, MatchingRules) {
  ir::Cors c = multiple();
  EXPECT_TRUE(router::corsOriginAllowed(c, "https://www.foo.com"));
  EXPECT_TRUE(router::corsOriginAllowed(c, "https://www.foo.com:443")) << "default port";
  EXPECT_TRUE(router::corsOriginAllowed(c, "HTTPS://WWW.FOO.COM"));
  EXPECT_FALSE(router::corsOriginAllowed(c, "https://www.foo.com:8443"));
  EXPECT_FALSE(router::corsOriginAllowed(c, "http://www.foo.com"));
  EXPECT_TRUE(router::corsOriginAllowed(c, "https://www.bar.com"));
  EXPECT_TRUE(router::corsOriginAllowed(c, "https://xpto.www.bar.com")) << "any number of labels";
  EXPECT_FALSE(router::corsOriginAllowed(c, "https://bar.com"));
  EXPECT_FALSE(router::corsOriginAllowed(c, "https://foobar.com"));
  EXPECT_FALSE(router::corsOriginAllowed(c, "null"));
  EXPECT_FALSE(router::corsOriginAllowed(c, ""));
  ir::Cors ports;
  ports.allowOrigins = {"http://a.com", "http://b.com:8080"};
  EXPECT_TRUE(router::corsOriginAllowed(ports, "http://a.com:80"));
  EXPECT_TRUE(router::corsOriginAllowed(ports, "http://b.com:8080"));
  EXPECT_FALSE(router::corsOriginAllowed(ports, "http://b.com"));
  ir::Cors any;
  any.allowOrigins = {"*"};
  EXPECT_TRUE(router::corsOriginAllowed(any, "https://foobar.com:12345"));
  EXPECT_TRUE(router::corsOriginAllowed(any, "null"));
}

TEST(CorsPreflight, ExactAndWildcardOrigins) {
  for (const char* origin : {"https://www.foo.com", "https://www.bar.com", "https://xpto.www.bar.com"}) {
    auto r = preflight(multiple(), origin, "GET", "x-header-1, x-header-2");
    EXPECT_EQ(r.kind, CorsKind::Preflight);
    ASSERT_TRUE(r.allowed) << origin;
    auto h = asMap(r);
    EXPECT_EQ(h["Access-Control-Allow-Origin"], origin);
    EXPECT_EQ(h["Access-Control-Allow-Methods"], "GET, OPTIONS");
    EXPECT_EQ(h["Access-Control-Allow-Headers"], "x-header-1, x-header-2");
    EXPECT_EQ(h["Access-Control-Expose-Headers"], "x-header-3, x-header-4");
    EXPECT_EQ(h["Access-Control-Max-Age"], "3600");
    EXPECT_EQ(h["Access-Control-Allow-Credentials"], "true");
  }
}

TEST(CorsPreflight, DisallowedOriginGetsNoCorsHeaders) {
  auto r = preflight(multiple(), "https://foobar.com", "GET");
  EXPECT_EQ(r.kind, CorsKind::Preflight);
  EXPECT_FALSE(r.allowed);
  EXPECT_TRUE(r.headers.empty());
  EXPECT_TRUE(r.status == 200 || r.status == 204);
}

TEST(CorsPreflight, HeadersOnlyWhenRequested) {
  auto h = asMap(preflight(multiple(), "https://www.foo.com", "GET"));
  EXPECT_EQ(h.count("Access-Control-Allow-Headers"), 0u) << "no Access-Control-Request-Headers";
  EXPECT_EQ(h.count("Access-Control-Allow-Methods"), 1u);
}

TEST(CorsPreflight, WildcardsWithAndWithoutCredentials) {
  ir::Cors methods;  // cors-wildcard-methods
  methods.allowOrigins = {"https://www.foo.com"};
  methods.allowMethods = {"*"};
  auto h = asMap(preflight(methods, "https://www.foo.com", "POST"));
  EXPECT_EQ(h["Access-Control-Allow-Origin"], "https://www.foo.com");
  EXPECT_EQ(h["Access-Control-Allow-Methods"], "*");
  EXPECT_EQ(h.count("Access-Control-Allow-Credentials"), 0u);

  ir::Cors auth;  // cors-wildcard-methods-headers
  auth.allowOrigins = {"*"};
  auth.allowMethods = {"*"};
  auth.allowHeaders = {"*"};
  auth.exposeHeaders = {"*"};
  auth.allowCredentials = true;
  h = asMap(preflight(auth, "https://other.foo.com", "PUT", "x-header-1, x-header-2"));
  EXPECT_EQ(h["Access-Control-Allow-Origin"], "https://other.foo.com")
      << "never a literal * with credentials";
  EXPECT_EQ(h["Access-Control-Allow-Methods"], "PUT");
  EXPECT_EQ(h["Access-Control-Allow-Headers"], "x-header-1, x-header-2");
  EXPECT_EQ(h["Access-Control-Allow-Credentials"], "true");
  EXPECT_EQ(h.count("Access-Control-Expose-Headers"), 0u);

  auth.allowCredentials = false;  // cors-wildcard-methods-headers-unauth
  h = asMap(preflight(auth, "https://other.foo.com", "PUT", "x-header-1"));
  EXPECT_EQ(h["Access-Control-Allow-Methods"], "*");
  EXPECT_EQ(h["Access-Control-Allow-Headers"], "*");
  EXPECT_EQ(h["Access-Control-Expose-Headers"], "*");
  EXPECT_EQ(h.count("Access-Control-Allow-Credentials"), 0u);
  EXPECT_EQ(h["Access-Control-Max-Age"], "5") << "IR default";
}

TEST(CorsActual, SimpleRequests) {
  auto r = router::evaluateCors(multiple(), "https://www.foo.com", "GET", std::nullopt, std::nullopt);
  EXPECT_EQ(r.kind, CorsKind::Actual);
  auto h = asMap(r);
  EXPECT_EQ(h["Access-Control-Allow-Origin"], "https://www.foo.com");
  EXPECT_EQ(h["Access-Control-Allow-Credentials"], "true");
  EXPECT_EQ(h["Access-Control-Expose-Headers"], "x-header-3, x-header-4");
  EXPECT_EQ(h.count("Access-Control-Allow-Methods"), 0u);
  EXPECT_EQ(h.count("Access-Control-Max-Age"), 0u);

  r = router::evaluateCors(multiple(), "https://foobar.com", "GET", "GET", std::nullopt);
  EXPECT_EQ(r.kind, CorsKind::Actual) << "a GET carrying Access-Control-Request-Method is not a preflight";
  EXPECT_FALSE(r.allowed);
  EXPECT_TRUE(r.headers.empty());

  EXPECT_EQ(router::evaluateCors(multiple(), std::nullopt, "OPTIONS", "GET", std::nullopt).kind,
            CorsKind::NotCors);
}

TEST(CorsActual, FromRequestViewOfTranslatedRoute) {
  RouterScenario s(gatewayYaml("  - {name: http, port: 80, protocol: HTTP}\n") +
                   httpRoute("cors",
                             "  - matches: [{path: {value: /cors-1}}]\n"
                             "    filters:\n    - type: CORS\n      cors:\n"
                             "        allowOrigins: [\"https://www.foo.com\", \"https://*.bar.com\"]\n"
                             "        allowMethods: [GET, OPTIONS]\n        maxAge: 3600\n"));
  Req req{.path = "/cors-1",
          .method = "OPTIONS",
          .headers = {{"Origin", "https://www.bar.com"}, {"Access-Control-Request-Method", "GET"}}};
  auto view = req.view();
  auto m = s.port(80).route(view);
  ASSERT_NE(m.route, nullptr);
  ASSERT_TRUE(m.route->filters.cors);
  auto r = router::evaluateCors(*m.route->filters.cors, view);
  EXPECT_EQ(r.kind, CorsKind::Preflight);
  auto h = asMap(r);
  EXPECT_EQ(h["Access-Control-Allow-Origin"], "https://www.bar.com");
  EXPECT_EQ(h["Access-Control-Allow-Methods"], "GET, OPTIONS");
  EXPECT_EQ(h["Access-Control-Max-Age"], "3600");
}

}  // namespace
}  // namespace portico::testing
