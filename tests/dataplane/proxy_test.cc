// The HTTP/1.1 data plane end to end: client -> portico dataplane::Server ->
// portico-echo, all on 127.0.0.1.
#include <nlohmann/json.hpp>

#include <thread>

#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using echotest::Connection;
using echotest::roundTrip;

std::string get(const std::string& host, const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra + "\r\n";
}

class HttpProxy : public ProxyTest {
 protected:
  void SetUp() override {
    v1 = std::make_unique<Backend>("echo-v1");
    v2 = std::make_unique<Backend>("echo-v2", std::vector<std::string>{"--status", "503"});
    ASSERT_GT(v1->port, 0);
    port = freePort();
    yaml = gatewayYaml(port) + serviceYaml("echo-v1", v1->port) + serviceYaml("echo-v2", v2->port) + R"(
---
apiVersion: v1
kind: Service
metadata: {name: empty}
spec:
  ports: [{name: http, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gw}]
  hostnames: [app.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        add: [{name: X-Added, value: yes}]
        remove: [X-Secret]
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        set: [{name: X-Served-By, value: portico}]
    backendRefs: [{name: echo-v1, port: 80}]
  - matches: [{path: {type: Exact, value: /old}}]
    filters:
    - type: RequestRedirect
      requestRedirect:
        path: {type: ReplaceFullPath, replaceFullPath: /api/new}
        statusCode: 301
  - matches: [{path: {type: PathPrefix, value: /rewrite}}]
    filters:
    - type: URLRewrite
      urlRewrite:
        hostname: internal.example.com
        path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}
    backendRefs: [{name: echo-v1, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /invalid}}]
    backendRefs: [{name: missing, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /empty}}]
    backendRefs: [{name: empty, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /none}}]
  - matches: [{path: {type: PathPrefix, value: /slow}}]
    timeouts: {request: 300ms}
    backendRefs: [{name: echo-v1, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /flaky}}]
    backendRefs: [{name: echo-v2, port: 80}]
)";
    auto binds = serve(yaml);
    ASSERT_EQ(binds.size(), 1u);
    ASSERT_TRUE(binds[0].ok) << binds[0].error;
  }

  std::unique_ptr<Backend> v1, v2;
  int port = 0;
  std::string yaml;
};

TEST_F(HttpProxy, ForwardsWithFiltersAndForwardedHeaders) {
  auto r = roundTrip(port, get("app.example.com", "/api/items?x=1", "X-Secret: s\r\nX-Request-Id: abc\r\n"));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->header("x-served-by"), "portico");
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["path"], "/api/items?x=1");
  EXPECT_EQ(j["host"], "app.example.com");
  EXPECT_EQ(j["pod"], "echo-v1");
  EXPECT_EQ(j["headers"]["X-Added"][0], "yes");
  EXPECT_FALSE(j["headers"].contains("X-Secret"));
  EXPECT_EQ(j["headers"]["X-Forwarded-For"][0], "127.0.0.1");
  EXPECT_EQ(j["headers"]["X-Forwarded-Proto"][0], "http");
  EXPECT_EQ(j["headers"]["X-Request-Id"][0], "abc") << "an incoming request id is kept";
}

TEST_F(HttpProxy, GeneratesARequestIdWhenMissing) {
  auto r = roundTrip(port, get("app.example.com", "/api"));
  ASSERT_TRUE(r);
  auto j = nlohmann::json::parse(r->body);
  ASSERT_TRUE(j["headers"].contains("X-Request-Id"));
  EXPECT_EQ(j["headers"]["X-Request-Id"][0].get<std::string>().size(), 32u);
}

TEST_F(HttpProxy, RedirectsAndRewrites) {
  auto red = roundTrip(port, get("app.example.com:" + std::to_string(port), "/old"));
  ASSERT_TRUE(red);
  EXPECT_EQ(red->status, 301);
  EXPECT_EQ(red->header("location"), "http://app.example.com:" + std::to_string(port) + "/api/new");

  auto rw = roundTrip(port, get("app.example.com", "/rewrite/thing"));
  ASSERT_TRUE(rw);
  ASSERT_EQ(rw->status, 200);
  auto j = nlohmann::json::parse(rw->body);
  EXPECT_EQ(j["path"], "/v2/thing");
  EXPECT_EQ(j["host"], "internal.example.com");
}

TEST_F(HttpProxy, ErrorStatusesFollowTheSpec) {
  EXPECT_EQ(roundTrip(port, get("other.example.com", "/api"))->status, 404) << "no hostname match";
  EXPECT_EQ(roundTrip(port, get("app.example.com", "/nothing-here"))->status, 404);
  EXPECT_EQ(roundTrip(port, get("app.example.com", "/invalid"))->status, 500) << "invalid backendRef share";
  EXPECT_EQ(roundTrip(port, get("app.example.com", "/none"))->status, 500) << "rule without backends";
  EXPECT_EQ(roundTrip(port, get("app.example.com", "/empty"))->status, 503) << "no ready endpoints";
  EXPECT_EQ(roundTrip(port, get("app.example.com", "/flaky"))->status, 503) << "upstream status passes through";
}

TEST_F(HttpProxy, RequestTimeoutAnswers504) {
  auto r = roundTrip(port, get("app.example.com", "/slow?delay=2s"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 504);
}

TEST_F(HttpProxy, KeepAliveAndPipelining) {
  Connection c(port);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send(get("app.example.com", "/api/1") + get("app.example.com", "/api/2") +
                     get("app.example.com", "/api/3")));
  for (int i = 1; i <= 3; ++i) {
    auto r = c.read();
    ASSERT_TRUE(r) << "response " << i;
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(nlohmann::json::parse(r->body)["path"], "/api/" + std::to_string(i)) << "answered in order";
  }
}

TEST_F(HttpProxy, StreamsRequestBodies) {
  Connection c(port);
  const std::string body(200000, 'x');
  ASSERT_TRUE(c.send("POST /api/upload HTTP/1.1\r\nHost: app.example.com\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_TRUE(c.send("POST /api/chunked HTTP/1.1\r\nHost: app.example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  auto r2 = c.read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 200);
  EXPECT_EQ(nlohmann::json::parse(r2->body)["method"], "POST");
}

TEST_F(HttpProxy, SmugglingAttemptsAreRejectedAndTheConnectionClosed) {
  Connection c(port);
  ASSERT_TRUE(c.send("POST /api HTTP/1.1\r\nHost: app.example.com\r\nContent-Length: 4\r\nTransfer-Encoding: "
                     "chunked\r\n\r\n0\r\n\r\nGET /api/smuggled HTTP/1.1\r\nHost: app.example.com\r\n\r\n"));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_FALSE(c.read()) << "the connection is closed after a framing error";
}

TEST_F(HttpProxy, ReloadKeepsConnectionsAndServesNewRoutesAtOnce) {
  Connection c(port);
  ASSERT_TRUE(c.send(get("app.example.com", "/api")));
  ASSERT_EQ(c.read()->status, 200);
  std::string next = yaml + R"(
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: added}
spec:
  parentRefs: [{name: gw}]
  hostnames: [new.example.com]
  rules:
  - backendRefs: [{name: echo-v1, port: 80}]
)";
  auto binds = serve(next);
  ASSERT_TRUE(binds[0].ok);
  // Same (idle keep-alive) connection, new route: served from the first request.
  ASSERT_TRUE(c.send(get("new.example.com", "/fresh")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpProxy, PortsThatCannotBeBoundAreReported) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(fd, 1);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const int taken = ntohs(a.sin_port);  // held by a socket without SO_REUSEPORT
  auto binds = serve(gatewayYaml(port, "  - {name: taken, port: " + std::to_string(taken) + ", protocol: HTTP}\n") +
                     serviceYaml("echo-v1", v1->port));
  ::close(fd);
  ASSERT_EQ(binds.size(), 2u);
  int ok = 0, failed = 0;
  for (const auto& b : binds) (b.ok ? ok : failed)++;
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(failed, 1);
}

}  // namespace
}  // namespace portico::testing

namespace portico::testing {
namespace {

TEST_F(HttpProxy, CountsRequestsByListenerAndBackend) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(roundTrip(port, get("app.example.com", "/api"))->status, 200);
  ASSERT_EQ(roundTrip(port, get("app.example.com", "/nothing"))->status, 404);
  // Counted before the response is written: no wait needed.
  auto s = server->labelledStats();
  ASSERT_TRUE(s.byListener.count("default/gw/http"));
  EXPECT_EQ(s.byListener["default/gw/http"][2], 3u);
  EXPECT_EQ(s.byListener["default/gw/http"][4], 1u);
  ASSERT_TRUE(s.byBackend.count("default/echo-v1:80"));
  EXPECT_EQ(s.byBackend["default/echo-v1:80"][2], 3u);
  EXPECT_TRUE(s.byRoute.empty()) << "per-route series are opt-in";
}

}  // namespace
}  // namespace portico::testing
