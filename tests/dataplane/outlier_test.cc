// Passive outlier detection: the ejection state machine with an injected
// clock, the balancer skipping ejected endpoints, then end to end: an
// endpoint that starts answering 500 is ejected and readmitted after the
// back-off, a refused endpoint is ejected for connect errors, and a
// cluster whose endpoints are all ejected answers 503 at once. One worker
// in the end-to-end tests: outlier state is per worker (load_balancer.h).
#include "dataplane/outlier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "dataplane/e2e_support.h"
#include "dataplane/endpoint_attempt.h"
#include "dataplane/proxy_fixture.h"
#include "dataplane/stats.h"

namespace portico::testing {
namespace {

using namespace e2e;
using dataplane::EjectReason;
using dataplane::OutlierOptions;
using dataplane::OutlierState;
using namespace std::chrono_literals;

TEST(OutlierState, EjectsAfterConsecutiveFailuresWithGrowingBackOff) {
  OutlierOptions o;  // 5 failures, 30 s base, 300 s cap
  OutlierState s;
  auto t = dataplane::OutlierClock::time_point{} + 1h;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(s.failure(EjectReason::Status5xx, t, o));
  s.success();  // the run is broken: counting starts again
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(s.failure(EjectReason::Status5xx, t, o));
  EXPECT_TRUE(s.failure(EjectReason::Status5xx, t, o));
  EXPECT_TRUE(s.ejected(t + 29s));
  EXPECT_FALSE(s.ejected(t + 30s)) << "base × 1";
  EXPECT_EQ(s.reason(), EjectReason::Status5xx);
  // Failures while ejected (requests already under way) change nothing.
  EXPECT_FALSE(s.failure(EjectReason::Status5xx, t + 1s, o));
  EXPECT_EQ(s.ejectedUntil(), t + 30s);
  // Readmitted, fails again: 60 s, then 90 s ... capped at 300 s.
  t += 30s;
  for (int i = 0; i < 5; ++i) s.failure(EjectReason::ConnectError, t, o);
  EXPECT_EQ(s.ejectedUntil(), t + 60s);
  EXPECT_EQ(s.reason(), EjectReason::ConnectError);
  for (int round = 3; round <= 12; ++round) {
    t = s.ejectedUntil();
    for (int i = 0; i < 5; ++i) s.failure(EjectReason::Status5xx, t, o);
    EXPECT_EQ(s.ejectedUntil() - t, std::min<std::chrono::milliseconds>(30s * round, 300s)) << round;
  }
  EXPECT_EQ(s.totalEjections(), 12u);
  // Admitted for the cap (300 s) since: the multiplier starts over.
  t = s.ejectedUntil() + 300s;
  for (int i = 0; i < 5; ++i) s.failure(EjectReason::Status5xx, t, o);
  EXPECT_EQ(s.ejectedUntil(), t + 30s);
}

TEST(OutlierState, ZeroTurnsDetectionOff) {
  OutlierOptions o;
  o.consecutiveFailures = 0;
  OutlierState s;
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(s.failure(EjectReason::Status5xx, {}, o));
}

TEST(OutlierBalancer, EjectedEndpointsAreSkippedAndAllEjectedIsReported) {
  ir::Cluster c;
  c.name = "default/svc:80";
  for (int i = 0; i < 3; ++i) c.endpoints.push_back(ir::Endpoint{"10.0.0." + std::to_string(i + 1), 80});
  dataplane::EndpointBalancer b;
  OutlierOptions o;
  o.consecutiveFailures = 2;
  b.configure(o, dataplane::SessionKey::fromSecret(""));
  std::mt19937_64 rng(1);
  const auto t = dataplane::OutlierClock::now();
  for (int i = 0; i < 2; ++i) b.report(c, "10.0.0.2:80", EjectReason::Status5xx, t);
  for (int i = 0; i < 30; ++i) EXPECT_NE(*b.pickAdmitted(c, rng, t), 1u);
  EXPECT_TRUE(b.ejected(c, 1, t));
  EXPECT_FALSE(b.ejected(c, 1, t + 30s)) << "readmitted after the back-off";
  // Sessions pinned to it move too.
  ir::SessionPersistence sp;
  const auto key = dataplane::SessionKey::fromSecret("");
  const std::string v =
      dataplane::encodeSessionToken(key, {dataplane::sessionEndpointId(key, "10.0.0.2", 80), 1, 1});
  dataplane::AttemptClock clock{t, 2, true};
  dataplane::EndpointAttempt pinned(b, rng, c, &sp, v, clock);
  ASSERT_NE(pinned.next(), nullptr);
  EXPECT_NE(pinned.index(), 1u);
  EXPECT_FALSE(pinned.pinned());
  EXPECT_TRUE(pinned.connected()) << "moved: a new value";
  for (const char* ep : {"10.0.0.1:80", "10.0.0.3:80"})
    for (int i = 0; i < 2; ++i) b.report(c, ep, EjectReason::ConnectError, t);
  EXPECT_FALSE(b.pickAdmitted(c, rng, t));
  dataplane::EndpointAttempt none(b, rng, c, nullptr, std::nullopt, clock);
  EXPECT_TRUE(none.allEjected());
  EXPECT_EQ(none.next(), nullptr);
}

TEST(OutlierBalancer, ChangedConnectionSettingsForgiveEjections) {
  // A BackendTLSPolicy that made every handshake fail ejected the
  // endpoint; once the policy is fixed, the endpoint is tried at once.
  ir::Config before;
  ir::Cluster& c = before.clusters["default/svc:443"];
  c.name = "default/svc:443";
  c.endpoints.push_back(ir::Endpoint{"10.0.0.1", 443});
  c.tls = ir::BackendTLS{.sni = "other.internal"};
  dataplane::EndpointBalancer b;
  OutlierOptions o;
  o.consecutiveFailures = 2;
  b.configure(o, dataplane::SessionKey::fromSecret(""));
  const auto t = dataplane::OutlierClock::now();
  for (int i = 0; i < 2; ++i) b.report(c, "10.0.0.1:443", EjectReason::ConnectError, t);
  ASSERT_TRUE(b.ejected(c, 0, t));

  ir::Config scaled = before;  // endpoints changed, settings did not
  scaled.clusters["default/svc:443"].endpoints.push_back(ir::Endpoint{"10.0.0.2", 443});
  b.forgive(dataplane::clustersWithNewConnectionSettings(before, scaled));
  EXPECT_TRUE(b.ejected(scaled.clusters.at("default/svc:443"), 0, t))
      << "an endpoint change keeps the record";

  ir::Config fixed = scaled;
  fixed.clusters["default/svc:443"].tls->sni = "echo.internal";
  b.forgive(dataplane::clustersWithNewConnectionSettings(scaled, fixed));
  const ir::Cluster& now = fixed.clusters.at("default/svc:443");
  EXPECT_FALSE(b.ejected(now, 0, t)) << "the policy changed: tried again at once";
  const auto& ep = b.clusters().at("default/svc:443").endpoints.at("10.0.0.1:443");
  EXPECT_EQ(ep.outlier.totalEjections(), 1u) << "the metric keeps counting";
  EXPECT_EQ(ep.outlier.ejections(), 0u) << "the next ejection is a first one again";
}

TEST(OutlierBalancer, FiveHundredsTakeOutAtMostHalfOfACluster) {
  // One endpoint: its own 5xx answers reach clients (and retries) instead
  // of Portico's 503; a connect error, where nothing answers, still ejects.
  ir::Cluster one;
  one.name = "default/one:80";
  one.endpoints.push_back(ir::Endpoint{"10.0.1.1", 80});
  dataplane::EndpointBalancer b;
  OutlierOptions o;
  o.consecutiveFailures = 2;
  b.configure(o, dataplane::SessionKey::fromSecret(""));
  const auto t = dataplane::OutlierClock::now();
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(b.report(one, "10.0.1.1:80", EjectReason::Status5xx, t));
  EXPECT_FALSE(b.ejected(one, 0, t));
  for (int i = 0; i < 2; ++i) b.report(one, "10.0.1.1:80", EjectReason::ConnectError, t);
  EXPECT_TRUE(b.ejected(one, 0, t));

  // Four endpoints: two may go for 5xx, the third stays.
  ir::Cluster four;
  four.name = "default/four:80";
  for (int i = 0; i < 4; ++i) four.endpoints.push_back(ir::Endpoint{"10.0.2." + std::to_string(i + 1), 80});
  for (int e = 0; e < 3; ++e) {
    for (int i = 0; i < 2; ++i)
      b.report(four, "10.0.2." + std::to_string(e + 1) + ":80", EjectReason::Status5xx, t);
  }
  EXPECT_TRUE(b.ejected(four, 0, t));
  EXPECT_TRUE(b.ejected(four, 1, t));
  EXPECT_FALSE(b.ejected(four, 2, t)) << "a third 5xx ejection would leave less than half";
}

class Outliers : public ProxyTest {
 protected:
  void SetUp() override { port = freePort(); }
  dataplane::ServerOptions options() {
    dataplane::ServerOptions o;
    o.workers = 1;
    o.outlier.consecutiveFailures = 3;
    o.outlier.baseEjection = 200ms;
    o.outlier.maxEjection = 1s;
    return o;
  }
  std::string config(const std::vector<int>& ports) {
    return gatewayYaml(port) + multiPortServiceYaml("svc", ports) +
           routeYaml("r", "[ol.example.com]", "  - backendRefs: [{name: svc, port: 80}]\n");
  }
  // Status and pod ("" for a non-echo answer) of one request on a new connection.
  std::pair<int, std::string> request() {
    Client c(port);
    if (!c.send(get("ol.example.com", "/"))) return {0, ""};
    auto r = c.read();
    if (!r) return {0, ""};
    std::string pod;
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (j.is_object() && j.contains("pod")) pod = j["pod"];
    if (r->body == "flaky") pod = "flaky";
    return {r->status, pod};
  }
  dataplane::EndpointReport report(int endpointPort) {
    auto all = server->labelledStats().endpoints;
    return all["default/svc:80"]["127.0.0.1:" + std::to_string(endpointPort)];
  }
  int port = 0;
};

TEST_F(Outliers, FailingEndpointIsEjectedAndReadmittedAfterTheBackOff) {
  Backend good("ol-good");
  std::atomic<bool> failing{true};
  RawUpstream flaky([&failing](int fd, RawUpstream& self) {
    std::string rest;
    std::string head = self.readHead(fd, rest);
    if (head.empty()) return;
    self.noteRequest(head);
    RawUpstream::writeAll(fd, failing
                                  ? "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n"
                                    "Connection: close\r\n\r\nfail"
                                  : "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nflaky");
  });
  auto binds = serve(config({good.port, flaky.port()}), options());
  ASSERT_TRUE(binds[0].ok) << binds[0].error;

  // Round-robin: every second request meets the failing endpoint; the
  // third 500 in a row ejects it.
  int fails = 0;
  for (int i = 0; i < 6; ++i) fails += request().first == 500 ? 1 : 0;
  EXPECT_EQ(fails, 3);
  // The outcome is recorded once the response has been relayed: poll.
  EXPECT_TRUE(eventually([&] { return report(flaky.port()).workersEjected == 1; }, 1s));
  auto r = report(flaky.port());
  EXPECT_EQ(r.workersEjected, 1u);
  EXPECT_EQ(r.reason, "consecutive_5xx");
  EXPECT_EQ(r.ejections, 1u);
  EXPECT_GT(r.ejectedForMs, 0u);
  EXPECT_LE(r.ejectedForMs, 200u);
  // Meanwhile every request goes to the good endpoint (fast: well inside 200 ms).
  const size_t seen = flaky.requests();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(request(), (std::pair<int, std::string>{200, "ol-good"})) << i;
  EXPECT_EQ(flaky.requests(), seen);

  // It recovers; after the back-off it is readmitted and serves again.
  failing = false;
  EXPECT_TRUE(eventually([&] { return request().second == "flaky"; }, 3s));
  EXPECT_EQ(report(flaky.port()).workersEjected, 0u);
  EXPECT_EQ(report(flaky.port()).ejections, 1u);
}

TEST_F(Outliers, AllEndpointsEjectedAnswers503AtOnce) {
  const int refused = freePort();  // nothing listens: connect errors
  auto binds = serve(config({refused}), options());
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(request().first, 503) << i;
  auto r = report(refused);
  EXPECT_EQ(r.workersEjected, 1u);
  EXPECT_EQ(r.reason, "connect_error");
  const uint64_t connectErrors = server->stats().upstreamConnectErrors;
  const auto start = Clock::now();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(request().first, 503) << i;
  EXPECT_LT(Clock::now() - start, 1s) << "no connect attempt, no wait";
  EXPECT_EQ(server->stats().upstreamConnectErrors, connectErrors) << "ejected: not even tried";
}

// A killed backend among good ones: requests still succeed (a connect
// failure moves to the next endpoint), and the dead one is ejected.
TEST_F(Outliers, RefusedEndpointIsEjectedWhileRequestsSucceed) {
  Backend good("ol-alive");
  const int refused = freePort();
  auto binds = serve(config({good.port, refused}), options());
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  for (int i = 0; i < 8; ++i) EXPECT_EQ(request(), (std::pair<int, std::string>{200, "ol-alive"})) << i;
  auto r = report(refused);
  EXPECT_EQ(r.reason, "connect_error");
  EXPECT_EQ(r.workersEjected, 1u);
  const uint64_t connectErrors = server->stats().upstreamConnectErrors;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(request().first, 200);
  EXPECT_EQ(server->stats().upstreamConnectErrors, connectErrors);
}

}  // namespace
}  // namespace portico::testing
