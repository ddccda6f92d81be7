// Active health checks: the threshold logic and the probe's verdict
// (no sockets), then end to end: a Service annotated with
// portico.dev/health-check-path whose endpoint starts failing its probe is
// taken out on every worker and put back when it passes again.
#include "dataplane/health_check.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"
#include "dataplane/stats.h"

namespace portico::testing {
namespace {

using namespace e2e;

TEST(ActiveHealth, ThresholdsInBothDirections) {
  ir::HealthCheck h;
  h.unhealthyThreshold = 3;
  h.healthyThreshold = 2;
  dataplane::ActiveHealth a;
  EXPECT_TRUE(a.healthy()) << "healthy until probes say otherwise";
  EXPECT_FALSE(a.record(false, h));
  EXPECT_FALSE(a.record(false, h));
  EXPECT_FALSE(a.record(true, h)) << "a pass breaks the run";
  EXPECT_FALSE(a.record(false, h));
  EXPECT_FALSE(a.record(false, h));
  EXPECT_TRUE(a.record(false, h));
  EXPECT_FALSE(a.healthy());
  EXPECT_FALSE(a.record(true, h));
  EXPECT_FALSE(a.record(false, h));
  EXPECT_FALSE(a.record(true, h));
  EXPECT_TRUE(a.record(true, h));
  EXPECT_TRUE(a.healthy());
}

TEST(ActiveHealth, ProbeVerdictAndRequest) {
  EXPECT_TRUE(dataplane::probePassed("HTTP/1.1 200 OK\r\n"));
  EXPECT_TRUE(dataplane::probePassed("HTTP/1.0 302 Found\r\n"));
  EXPECT_FALSE(dataplane::probePassed("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_FALSE(dataplane::probePassed("HTTP/1.1 503 Service Unavailable\r\n"));
  EXPECT_FALSE(dataplane::probePassed("HTTP/1.1 2"));
  EXPECT_FALSE(dataplane::probePassed("SSH-2.0-OpenSSH\r\n"));
  ir::HealthCheck h;
  h.path = "/healthz";
  EXPECT_EQ(
      dataplane::probeRequest(h, "shop"),
      "GET /healthz HTTP/1.1\r\nHost: shop\r\nUser-Agent: portico-health-check\r\nConnection: close\r\n\r\n");
}

class HealthChecks : public ProxyTest {
 protected:
  void SetUp() override { port = freePort(); }
  int port = 0;
};

TEST_F(HealthChecks, FailingProbeTakesTheEndpointOutOnEveryWorker) {
  Backend good("hc-good");
  std::atomic<bool> sick{false};
  RawUpstream watched([&sick](int fd, RawUpstream& self) {
    std::string rest;
    std::string head = self.readHead(fd, rest);
    if (head.empty()) return;
    self.noteRequest(head);
    const bool probe = head.rfind("GET /healthz ", 0) == 0;
    RawUpstream::writeAll(
        fd, probe && sick ? "HTTP/1.1 503 No\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                          : "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nwatched");
  });
  std::string svc = multiPortServiceYaml("svc", {good.port, watched.port()});
  const std::string marker = "metadata: {name: svc}";
  svc.replace(svc.find(marker), marker.size(),
              "metadata:\n  name: svc\n  annotations:\n    portico.dev/health-check-path: /healthz\n"
              "    portico.dev/health-check-interval: 50ms\n    portico.dev/health-check-timeout: 500ms\n"
              "    portico.dev/health-check-unhealthy-threshold: \"2\"\n"
              "    portico.dev/health-check-healthy-threshold: \"1\"");
  dataplane::ServerOptions o;
  o.workers = 2;  // the verdict reaches both
  auto binds = serve(gatewayYaml(port) + svc +
                         routeYaml("r", "[hc.example.com]", "  - backendRefs: [{name: svc, port: 80}]\n"),
                     o);
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  const std::string key = "127.0.0.1:" + std::to_string(watched.port());
  auto unhealthyOn = [&] {
    return server->labelledStats().endpoints["default/svc:80"][key].workersUnhealthy;
  };
  auto bodyOf = [&] {
    Client c(port);
    if (!c.send(get("hc.example.com", "/"))) return std::string();
    auto r = c.read();
    return r ? r->body : std::string();
  };
  // Probed (the probe reaches it) and serving.
  ASSERT_TRUE(eventually([&] { return watched.requests() > 0; }, 3s));
  EXPECT_TRUE(eventually([&] { return bodyOf() == "watched"; }, 3s));

  sick = true;
  ASSERT_TRUE(eventually([&] { return unhealthyOn() == 2; }, 3s))
      << "both workers told; now " << unhealthyOn() << ", backend requests " << watched.requests();
  EXPECT_EQ(server->labelledStats().endpoints["default/svc:80"][key].reason, "health_check");
  for (int i = 0; i < 20; ++i) EXPECT_NE(bodyOf(), "watched") << i;

  sick = false;
  ASSERT_TRUE(eventually([&] { return unhealthyOn() == 0; }, 3s));
  EXPECT_TRUE(eventually([&] { return bodyOf() == "watched"; }, 3s));
}

}  // namespace
}  // namespace portico::testing
