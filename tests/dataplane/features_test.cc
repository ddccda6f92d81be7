// Route features end to end: every match kind and a precedence tie-break,
// request mirroring (fire and forget), CORS preflight and actual requests.
#include <nlohmann/json.hpp>

#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using echotest::roundTrip;

class RouteFeatures : public ProxyTest {
 protected:
  void SetUp() override {
    for (const char* pod : {"m-exact", "m-prefix", "m-regex", "m-method", "m-header", "m-query", "m-old", "m-new"}) {
      backends.push_back(std::make_unique<Backend>(pod));
      ASSERT_GT(backends.back()->port, 0);
    }
    mirror = std::make_unique<Backend>("mirror");
    port = freePort();
    std::string yaml = gatewayYaml(port);
    for (const auto& b : backends) yaml += serviceYaml(b->name, b->port);
    yaml += serviceYaml("mirror", mirror->port);
    yaml += R"(
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: matches, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw}]
  hostnames: [m.example.com]
  rules:
  - matches: [{path: {type: Exact, value: /exact}}]
    backendRefs: [{name: m-exact, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /prefix}}]
    backendRefs: [{name: m-prefix, port: 80}]
  - matches: [{path: {type: RegularExpression, value: "/items/[0-9]+"}}]
    backendRefs: [{name: m-regex, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /any}, method: POST}]
    backendRefs: [{name: m-method, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /any}, headers: [{name: X-Tier, value: gold}]}]
    backendRefs: [{name: m-header, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /any}, queryParams: [{name: v, value: "2"}]}]
    backendRefs: [{name: m-query, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /tie}}]
    backendRefs: [{name: m-old, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /mirrored}}]
    filters:
    - type: RequestMirror
      requestMirror: {backendRef: {name: mirror, port: 80}}
    backendRefs: [{name: m-prefix, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /cors}}]
    filters:
    - type: CORS
      cors:
        allowOrigins: ["https://*.example.org"]
        allowMethods: [GET, PUT]
        allowHeaders: [X-Custom]
        maxAge: 60
    backendRefs: [{name: m-prefix, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: newer, creationTimestamp: "2025-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw}]
  hostnames: [m.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /tie}}]
    backendRefs: [{name: m-new, port: 80}]
)";
    auto binds = serve(yaml);
    ASSERT_EQ(binds.size(), 1u);
    ASSERT_TRUE(binds[0].ok) << binds[0].error;
  }


  std::string pod(const std::string& request) {
    auto r = roundTrip(port, request);
    if (!r) return "no response";
    if (r->status != 200) return "status " + std::to_string(r->status);
    return nlohmann::json::parse(r->body)["pod"].get<std::string>();
  }

  std::vector<std::unique_ptr<Backend>> backends;
  std::unique_ptr<Backend> mirror;
  int port = 0;
};

std::string req(const std::string& method, const std::string& target, const std::string& extra = "") {
  return method + " " + target + " HTTP/1.1\r\nHost: m.example.com\r\n" + extra +
         (method == "POST" ? "Content-Length: 0\r\n" : "") + "\r\n";
}

TEST_F(RouteFeatures, EveryMatchKind) {
  EXPECT_EQ(pod(req("GET", "/exact")), "m-exact");
  EXPECT_EQ(pod(req("GET", "/exact/")), "status 404") << "Exact is not a prefix";
  EXPECT_EQ(pod(req("GET", "/prefix/a/b")), "m-prefix");
  EXPECT_EQ(pod(req("GET", "/prefixed")), "status 404") << "PathPrefix is segment-wise";
  EXPECT_EQ(pod(req("GET", "/items/42")), "m-regex");
  EXPECT_EQ(pod(req("GET", "/items/x")), "status 404") << "regex is a full match";
  EXPECT_EQ(pod(req("POST", "/any")), "m-method");
  EXPECT_EQ(pod(req("GET", "/any", "X-Tier: gold\r\n")), "m-header");
  EXPECT_EQ(pod(req("GET", "/any?v=2")), "m-query");
  EXPECT_EQ(pod(req("GET", "/any")), "status 404") << "no rule without conditions on /any";
}

TEST_F(RouteFeatures, TiesGoToTheOlderRoute) { EXPECT_EQ(pod(req("GET", "/tie/x")), "m-old"); }

TEST_F(RouteFeatures, MirrorsAreFireAndForget) {
  EXPECT_EQ(pod(req("GET", "/mirrored/thing?id=7")), "m-prefix") << "the client gets the primary backend's answer";
  // The mirror backend logs every request it echoes.
  bool seen = false;
  for (int i = 0; i < 5 && !seen; ++i) {
    auto line = mirror->proc->readLine(std::chrono::seconds(5));
    if (!line) break;
    seen = line->find("Echoing back request made to /mirrored/thing?id=7") != std::string::npos;
  }
  EXPECT_TRUE(seen) << "the mirror received a copy";
}

TEST_F(RouteFeatures, CorsPreflightAndActualRequests) {
  auto pre = roundTrip(port, req("OPTIONS", "/cors", "Origin: https://app.example.org\r\nAccess-Control-Request-Method: PUT\r\n"));
  ASSERT_TRUE(pre);
  EXPECT_TRUE(pre->status == 200 || pre->status == 204) << pre->status;
  EXPECT_EQ(pre->header("access-control-allow-origin"), "https://app.example.org");
  EXPECT_NE(pre->header("access-control-allow-methods").find("PUT"), std::string::npos);
  EXPECT_EQ(pre->header("access-control-max-age"), "60");

  auto actual = roundTrip(port, req("GET", "/cors", "Origin: https://app.example.org\r\n"));
  ASSERT_TRUE(actual);
  EXPECT_EQ(actual->status, 200);
  EXPECT_EQ(actual->header("access-control-allow-origin"), "https://app.example.org");

  auto denied = roundTrip(port, req("GET", "/cors", "Origin: https://evil.test\r\n"));
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->header("access-control-allow-origin"), "") << "a disallowed origin gets no CORS headers";
}

}  // namespace
}  // namespace portico::testing
