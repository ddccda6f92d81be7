// What the dashboard's /traffic reads from the data plane: open
// connections per bind (accept to close) and, with routeMetrics, a
// latency histogram per route.
#include <chrono>
#include <thread>

#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using echotest::Connection;
using echotest::roundTrip;

std::string get(const std::string& host, const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
}

// Polls until `cond` holds (a socket closed by the peer has no event the
// test could wait on); bounded.
template <class F>
bool eventually(F&& cond) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!cond()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

class TrafficStats : public ProxyTest {
 protected:
  void SetUp() override {
    v1 = std::make_unique<Backend>("echo-v1");
    ASSERT_GT(v1->port, 0);
    port = freePort();
    yaml = gatewayYaml(port) + serviceYaml("echo-v1", v1->port) + R"(
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gw}]
  hostnames: [app.example.com]
  rules:
  - backendRefs: [{name: echo-v1, port: 80}]
)";
  }
  // The bind of gatewayYaml's listener: no address of its own.
  std::string bindKey() const { return "|" + std::to_string(port) + "|tcp"; }
  int64_t open() const {
    auto s = server->labelledStats();
    auto it = s.activeConnections.find(bindKey());
    return it == s.activeConnections.end() ? 0 : it->second;
  }

  std::unique_ptr<Backend> v1;
  int port = 0;
  std::string yaml;
};

TEST_F(TrafficStats, OpenConnectionsPerBindFromAcceptToClose) {
  dataplane::ServerOptions opts;
  opts.workers = 2;
  serve(yaml, opts);
  {
    Connection a(port), b(port);
    ASSERT_TRUE(a.ok() && b.ok());
    // A response on each proves both were accepted (and are still open:
    // keep-alive).
    for (Connection* c : {&a, &b}) {
      ASSERT_TRUE(c->send(get("app.example.com", "/")));
      auto r = c->read();
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200);
    }
    EXPECT_EQ(open(), 2);
  }
  EXPECT_TRUE(eventually([&] { return open() == 0; })) << open();
}

TEST_F(TrafficStats, RouteLatencyOnlyWithRouteMetrics) {
  serve(yaml);
  ASSERT_EQ(roundTrip(port, get("app.example.com", "/"))->status, 200);
  // The histogram is written when the request ends, after its response.
  ASSERT_TRUE(eventually([&] { return server->stats().requests >= 1; }));
  EXPECT_TRUE(server->labelledStats().routeTime.empty()) << "per-route latency is opt-in";
  server->stop(std::chrono::milliseconds(2000));
  server.reset();

  dataplane::ServerOptions opts;
  opts.routeMetrics = true;
  serve(yaml, opts);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(roundTrip(port, get("app.example.com", "/"))->status, 200);
  ASSERT_TRUE(eventually([&] {
    auto s = server->labelledStats();
    auto it = s.routeTime.find("default/web");
    return it != s.routeTime.end() && it->second.count == 3;
  }));
  const auto s = server->labelledStats();
  const auto& h = s.routeTime.at("default/web");
  uint64_t inBuckets = 0;
  for (uint64_t n : h.buckets) inBuckets += n;
  EXPECT_EQ(inBuckets, 3u);
  EXPECT_EQ(s.byRoute.at("default/web")[2], 3u);
}

}  // namespace
}  // namespace portico::testing
