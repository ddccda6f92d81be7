// Endpoint choice within a Service: round-robin by default, least-request
// (power of two choices over in-flight requests) with the Service
// annotation portico.dev/load-balancer: least-request.
#include "dataplane/load_balancer.h"

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using namespace e2e;

ir::Cluster cluster(ir::LoadBalancer lb, int endpoints) {
  ir::Cluster c;
  c.name = "default/svc:80";
  c.loadBalancer = lb;
  for (int i = 0; i < endpoints; ++i)
    c.endpoints.push_back(ir::Endpoint{"10.0.0." + std::to_string(i + 1), 80});
  return c;
}

TEST(EndpointBalancer, RoundRobinCyclesInOrder) {
  dataplane::EndpointBalancer b;
  std::mt19937_64 rng(1);
  auto c = cluster(ir::LoadBalancer::RoundRobin, 3);
  for (size_t i = 0; i < 9; ++i) EXPECT_EQ(b.pick(c, rng), i % 3);
  auto busy = b.track(c, dataplane::endpointKey(c.endpoints[0]));
  EXPECT_EQ(b.inFlight("10.0.0.1:80"), 0u) << "round-robin clusters are not tracked";
}

TEST(EndpointBalancer, LeastRequestNeverPicksTheBusiestOfTwo) {
  dataplane::EndpointBalancer b;
  std::mt19937_64 rng(7);
  auto c = cluster(ir::LoadBalancer::LeastRequest, 2);
  std::vector<dataplane::EndpointBalancer::InFlight> held;
  held.push_back(b.track(c, "10.0.0.1:80"));
  EXPECT_EQ(b.inFlight("10.0.0.1:80"), 1u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(b.pick(c, rng), 1u) << "two distinct samples: the idle one wins";
  held.clear();
  EXPECT_EQ(b.inFlight("10.0.0.1:80"), 0u);
  b.prune();
  // Idle and equal: ties go to a random sample, so both endpoints serve.
  int first = 0;
  for (int i = 0; i < 200; ++i) first += b.pick(c, rng) == 0 ? 1 : 0;
  EXPECT_GT(first, 40);
  EXPECT_LT(first, 160);
}

TEST(EndpointBalancer, LeastRequestWithThreeEndpointsAvoidsTheLoadedOne) {
  dataplane::EndpointBalancer b;
  std::mt19937_64 rng(3);
  auto c = cluster(ir::LoadBalancer::LeastRequest, 3);
  auto busy = b.track(c, "10.0.0.2:80");
  for (int i = 0; i < 300; ++i) EXPECT_NE(b.pick(c, rng), 1u);
}

class LoadBalancing : public ProxyTest {
 protected:
  void SetUp() override { port = freePort(); }
  std::string service(const std::vector<int>& ports, const std::string& lb) {
    std::string y = multiPortServiceYaml("svc", ports);
    if (!lb.empty()) {
      const std::string marker = "metadata: {name: svc}";
      y.replace(y.find(marker), marker.size(),
                "metadata:\n  name: svc\n  annotations: {portico.dev/load-balancer: " + lb + "}");
    }
    return y;
  }
  int port = 0;
};

// Sequential requests on one worker alternate between the endpoints.
TEST_F(LoadBalancing, RoundRobinAlternates) {
  Backend a("lb-a"), b("lb-b");
  dataplane::ServerOptions o;
  o.workers = 1;
  auto binds = serve(gatewayYaml(port) + service({a.port, b.port}, "") +
                         routeYaml("r", "[lb.example.com]", "  - backendRefs: [{name: svc, port: 80}]\n"),
                     o);
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  Client c(port);
  std::string previous;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(c.send(get("lb.example.com", "/")));
    auto r = c.read();
    ASSERT_TRUE(r) << i;
    ASSERT_EQ(r->status, 200);
    std::string pod = nlohmann::json::parse(r->body)["pod"];
    EXPECT_NE(pod, previous) << "request " << i;
    previous = pod;
  }
}

// One endpoint holds every request it gets (until the end of the test), the
// other answers at once. Eight clients send 200 requests in all: with
// least-request the held endpoint only gets a request while it has no more
// in flight than the fast one, so it ends up with a handful and the fast one
// with the rest. (Round-robin would send it every second request and stall
// all eight clients within a few requests.)
TEST_F(LoadBalancing, LeastRequestAvoidsTheSlowEndpoint) {
  Backend fast("lb-fast");
  RawUpstream slow([](int fd, RawUpstream& self) {
    std::string rest;
    std::string head = self.readHead(fd, rest);
    if (head.empty()) return;
    self.noteRequest(head);
    self.waitReleased(20s);
    RawUpstream::writeAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nslow");
  });
  dataplane::ServerOptions o;
  o.workers = 1;  // in-flight counts are per worker
  auto binds = serve(gatewayYaml(port) + service({fast.port, slow.port()}, "least-request") +
                         routeYaml("r", "[lb.example.com]", "  - backendRefs: [{name: svc, port: 80}]\n"),
                     o);
  ASSERT_TRUE(binds[0].ok) << binds[0].error;

  constexpr int kRequests = 200, kClients = 8;
  std::atomic<int> tickets{0}, fastAnswers{0}, failures{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&] {
      Client c(port, 30s);
      while (tickets.fetch_add(1) < kRequests) {
        if (!c.send(get("lb.example.com", "/"))) {
          failures++;
          return;
        }
        auto r = c.read();
        if (!r || r->status != 200) {
          failures++;
          return;
        }
        if (r->body == "slow") continue;  // released at the end
        if (nlohmann::json::parse(r->body)["pod"] == "lb-fast") fastAnswers++;
      }
    });
  }
  // Every request is either answered by the fast endpoint or held by the
  // slow one; then the slow one answers.
  const bool settled =
      eventually([&] { return fastAnswers.load() + static_cast<int>(slow.requests()) >= kRequests; }, 20s);
  slow.release();
  for (auto& t : clients) t.join();
  ASSERT_TRUE(settled) << "fast " << fastAnswers.load() << ", slow " << slow.requests();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(slow.requests(), static_cast<size_t>(kClients / 2 + 1)) << "fast answered " << fastAnswers.load();
  EXPECT_GE(fastAnswers.load(), kRequests - kClients / 2 - 1);
}

}  // namespace
}  // namespace portico::testing
