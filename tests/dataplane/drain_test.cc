// Graceful stop: stop(drain) refuses new connections, closes idle
// keep-alive ones at once, lets requests in flight finish with their full
// responses, and returns as soon as they are done (or at the deadline).
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"
#include "dataplane/stats.h"

namespace portico::testing {
namespace {

using namespace e2e;

constexpr size_t kBigBody = 2 * 1024 * 1024;

std::string bigBody() {
  std::string b(kBigBody, '\0');
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<char>('a' + i % 26);
  return b;
}

// Connects to 127.0.0.1:port; -1 on failure.
int dial(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

class DrainProxy : public ProxyTest {
 protected:
  void SetUp() override {
    echo = std::make_unique<Backend>("echo-drain");
    ASSERT_GT(echo->port, 0);
    // The tap sits between the proxy and the echo backend: it tells the
    // test when a request has reached the upstream side (so it is in
    // flight for sure), holds it until the test opens the gate, then
    // forwards it to the echo (which applies ?delay=) or, for /big,
    // answers 2 MiB itself.
    tap = std::make_unique<RawUpstream>([echoPort = echo->port](int fd, RawUpstream& self) {
      std::string rest;
      std::string head = self.readHead(fd, rest);
      if (head.empty()) return;
      self.noteRequest(head);
      if (!self.waitReleased(10s)) return;
      if (head.find(" /big") != std::string::npos) {
        RawUpstream::writeAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kBigBody) +
                                      "\r\nConnection: close\r\n\r\n" + bigBody());
        return;
      }
      int up = dial(echoPort);
      if (up < 0) return;
      // The echo closes after its response: the relay below ends on EOF.
      RawUpstream::writeAll(up, head.substr(0, head.size() - 2) + "Connection: close\r\n\r\n");
      const auto until = Clock::now() + 10s;
      char buf[16384];
      while (Clock::now() < until && !self.stopping()) {
        pollfd p{up, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        ssize_t n = ::recv(up, buf, sizeof buf, 0);
        if (n <= 0 || !RawUpstream::writeAll(fd, std::string(buf, static_cast<size_t>(n)))) break;
      }
      ::close(up);
    });
    port = freePort();
    auto binds =
        serve(gatewayYaml(port) + serviceYaml("echo-drain", echo->port) +
              multiPortServiceYaml("tap", {tap->port()}) +
              routeYaml("direct", "[echo.example.com]", "  - backendRefs: [{name: echo-drain, port: 80}]\n") +
              routeYaml("held", "[held.example.com]", "  - backendRefs: [{name: tap, port: 80}]\n"));
    ASSERT_EQ(binds.size(), 1u);
    ASSERT_TRUE(binds[0].ok) << binds[0].error;
  }

  std::unique_ptr<Backend> echo;
  std::unique_ptr<RawUpstream> tap;
  int port = 0;
};

struct Outcome {
  bool ok = false;
  int status = 0;
  std::string body;
  std::string connection;
};

TEST_F(DrainProxy, InFlightRequestsCompleteNewConnectionsAreRefused) {
  // An idle keep-alive connection.
  Client idle(port);
  ASSERT_TRUE(idle.send(get("echo.example.com", "/warm")));
  auto warm = idle.read();
  ASSERT_TRUE(warm);
  ASSERT_EQ(warm->status, 200);

  // Four requests in flight: three delayed by the echo, one large body.
  constexpr int kInFlight = 4;
  std::vector<Outcome> out(kInFlight);
  std::vector<std::thread> clients;
  for (int i = 0; i < kInFlight; ++i) {
    clients.emplace_back([&, i] {
      Client c(port);
      const std::string path = i == 0 ? "/big" : "/slow?delay=500ms&n=" + std::to_string(i);
      if (!c.send(get("held.example.com", path))) return;
      auto r = c.read();
      if (!r) return;
      out[i] = Outcome{true, r->status, r->body, r->header("connection")};
    });
  }
  ASSERT_TRUE(tap->waitRequests(kInFlight, 10s)) << "requests did not reach the upstream";

  const auto stopBegan = Clock::now();
  std::promise<Clock::time_point> stopped;
  auto stoppedAt = stopped.get_future();
  std::thread stopper([&] {
    server->stop(std::chrono::milliseconds(5000));
    stopped.set_value(Clock::now());
  });

  // New connections are refused once the drain began...
  EXPECT_TRUE(eventually([&] { return connectRefused(port); }, 3s)) << "the acceptor is still open";
  // ...idle keep-alive connections are closed at once...
  EXPECT_TRUE(idle.closedWithin(3s)) << "idle keep-alive connection left open during drain";
  // ...and stop() waits for the requests the gate still holds.
  EXPECT_EQ(stoppedAt.wait_for(0s), std::future_status::timeout) << "stop() returned with requests in flight";

  const auto released = Clock::now();
  tap->release();
  for (auto& t : clients) t.join();
  ASSERT_EQ(stoppedAt.wait_for(6s), std::future_status::ready);
  const auto end = stoppedAt.get();
  stopper.join();

  for (int i = 0; i < kInFlight; ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(out[i].ok) << "in-flight request lost";
    EXPECT_EQ(out[i].status, 200);
    EXPECT_EQ(out[i].connection, "close") << "a draining server closes after the response";
    if (i == 0) {
      EXPECT_EQ(out[i].body.size(), kBigBody);
      EXPECT_TRUE(out[i].body == bigBody()) << "body corrupted";
    } else {
      auto j = nlohmann::json::parse(out[i].body, nullptr, false);
      ASSERT_FALSE(j.is_discarded()) << out[i].body;
      EXPECT_EQ(j["path"], "/slow?delay=500ms&n=" + std::to_string(i));
      EXPECT_EQ(j["pod"], "echo-drain");
    }
  }
  // stop() returned once they were done: the echo delay plus slack, far
  // from the 5 s drain timeout.
  EXPECT_LT(end - released, 3s);
  EXPECT_LT(end - stopBegan, 4s);
}

TEST_F(DrainProxy, StopWithOnlyIdleConnectionsIsPrompt) {
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 6; ++i) {
    idle.push_back(std::make_unique<Client>(port));
    ASSERT_TRUE(idle.back()->send(get("echo.example.com", "/")));
    auto r = idle.back()->read();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
  }
  // And one that never sent a byte.
  Client silent(port);
  ASSERT_TRUE(silent.ok());
  ASSERT_TRUE(eventually([&] { return server->stats().connectionsAccepted >= 7; }, 5s));

  const auto t0 = Clock::now();
  server->stop(std::chrono::milliseconds(5000));
  const auto took = Clock::now() - t0;
  EXPECT_LT(took, 1500ms) << "idle connections must not hold the drain";
  for (auto& c : idle) EXPECT_TRUE(c->closedWithin(1s));
  EXPECT_TRUE(silent.closedWithin(1s));
  EXPECT_TRUE(connectRefused(port));
}

TEST_F(DrainProxy, DrainTimeoutBoundsStop) {
  Client c(port);
  ASSERT_TRUE(c.send(get("held.example.com", "/slow")));
  ASSERT_TRUE(tap->waitRequests(1, 10s));
  const auto t0 = Clock::now();
  server->stop(std::chrono::milliseconds(300));
  const auto took = Clock::now() - t0;
  EXPECT_GE(took, 250ms) << "stop() gave up before the drain timeout";
  EXPECT_LT(took, 2s) << "stop() overran the drain timeout";
  server.reset();  // tears the remaining connections down
  EXPECT_FALSE(c.read()) << "a request cut by the drain timeout gets no response";
}

}  // namespace
}  // namespace portico::testing
