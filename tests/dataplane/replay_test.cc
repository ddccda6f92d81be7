// Requests that go upstream more than once: a request lost to a stale
// pooled connection is replayed on a new one (every method when the
// upstream cannot have it whole, idempotent ones otherwise), and request
// bodies up to the buffer limit go to HTTPRoute retries and mirrors.
#include <atomic>
#include <memory>

#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using namespace e2e;

const char* kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

// Reads the body following `head` (Content-Length or chunked, kept as
// sent); part of it may already be in `rest`. Empty on EOF or timeout.
std::string readBody(int fd, const std::string& head, std::string& rest, RawUpstream& self) {
  const std::string h = lower(head);
  auto done = [&]() -> std::optional<size_t> {
    if (h.find("transfer-encoding: chunked") != std::string::npos) {
      auto end = rest.find("\r\n0\r\n\r\n");
      if (rest.starts_with("0\r\n\r\n")) return 5;
      return end == std::string::npos ? std::nullopt : std::optional<size_t>(end + 7);
    }
    auto at = h.find("content-length: ");
    size_t want = at == std::string::npos ? 0 : std::stoul(h.substr(at + 16));
    return rest.size() >= want ? std::optional<size_t>(want) : std::nullopt;
  };
  const auto until = Clock::now() + 5s;
  for (;;) {
    if (auto n = done()) {
      std::string body = rest.substr(0, *n);
      rest.erase(0, *n);
      return body;
    }
    if (self.stopping() || Clock::now() >= until) return {};
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return {};
    rest.append(buf, static_cast<size_t>(n));
  }
}

class Replay : public ProxyTest {
 protected:
  void SetUp() override { port = freePort(); }
  std::vector<dataplane::BindResult> serveOne(int upstreamPort, const std::string& rule,
                                              dataplane::ServerOptions o = {}) {
    o.workers = 1;  // one worker, one pool: the second request reuses the first one's connection
    return serve(gatewayYaml(port) + multiPortServiceYaml("raw", {upstreamPort}) +
                     routeYaml("r", "[raw.example.com]", "  - backendRefs: [{name: raw, port: 80}]\n" + rule),
                 o);
  }
  int port = 0;
};

// The first connection answers one request, then reads the next one and
// closes without a word: the pool handed it out as alive (nothing was
// closed when it was taken), and no response byte ever comes. Later
// connections answer every request.
RawUpstream::Handler closesAfterOneResponse(std::shared_ptr<std::atomic<int>> connections) {
  return [connections](int fd, RawUpstream& self) {
    const int index = (*connections)++;
    std::string rest;
    for (int served = 0;; ++served) {
      std::string head = self.readHead(fd, rest);
      if (head.empty()) return;
      self.noteRequest(head);
      if (index == 0 && served == 1) return;  // the stale connection
      if (!RawUpstream::writeAll(fd, kOk)) return;
    }
  };
}

TEST_F(Replay, IdempotentRequestLostToAStaleConnectionIsReplayed) {
  RawUpstream up(closesAfterOneResponse(std::make_shared<std::atomic<int>>(0)));
  ASSERT_TRUE(serveOne(up.port(), "")[0].ok);
  Client c(port);
  ASSERT_TRUE(c.send(get("raw.example.com", "/first")));
  auto first = c.read();
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200);
  ASSERT_TRUE(c.send(get("raw.example.com", "/second")));
  auto second = c.read();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200) << second->body;
  EXPECT_EQ(second->body, "ok");
  EXPECT_EQ(up.accepts(), 2) << "replayed once, on a new connection";
  ASSERT_EQ(up.requests(), 3u);
  EXPECT_TRUE(up.heads()[1].starts_with("GET /second ")) << up.heads()[1];
  EXPECT_TRUE(up.heads()[2].starts_with("GET /second ")) << up.heads()[2];
  EXPECT_EQ(server->stats().staleReplays, 1u);
}

TEST_F(Replay, NonIdempotentRequestIsNotReplayedOnceTheUpstreamMayHaveIt) {
  RawUpstream up(closesAfterOneResponse(std::make_shared<std::atomic<int>>(0)));
  ASSERT_TRUE(serveOne(up.port(), "")[0].ok);
  Client c(port);
  ASSERT_TRUE(c.send(get("raw.example.com", "/first")));
  ASSERT_EQ(c.read()->status, 200);
  ASSERT_TRUE(c.send("POST /order HTTP/1.1\r\nHost: raw.example.com\r\nContent-Length: 0\r\n\r\n"));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 502) << "RFC 9112 §9.3.1: never replay a non-idempotent request the upstream may hold";
  EXPECT_EQ(up.requests(), 2u) << "the POST reached the upstream exactly once";
  EXPECT_EQ(up.accepts(), 1);
  EXPECT_EQ(server->stats().staleReplays, 0u);
}

TEST_F(Replay, FreshConnectionsAreNeverReplayed) {
  // Every connection reads its request and closes: nothing was pooled, so
  // the failure is the upstream's, not a stale connection's.
  RawUpstream up([](int fd, RawUpstream& self) {
    std::string rest;
    std::string head = self.readHead(fd, rest);
    if (!head.empty()) self.noteRequest(head);
  });
  ASSERT_TRUE(serveOne(up.port(), "")[0].ok);
  auto r = echotest::roundTrip(port, get("raw.example.com", "/"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 502);
  EXPECT_EQ(up.requests(), 1u);
  EXPECT_EQ(server->stats().staleReplays, 0u);
}

// First attempt 503, then 200; every request's body is recorded.
RawUpstream::Handler failsFirst(std::shared_ptr<std::atomic<int>> seen) {
  return [seen](int fd, RawUpstream& self) {
    std::string rest;
    for (;;) {
      std::string head = self.readHead(fd, rest);
      if (head.empty()) return;
      std::string body = readBody(fd, head, rest, self);
      self.noteRequest(head + body);
      const bool fail = (*seen)++ == 0;
      if (!RawUpstream::writeAll(
              fd, fail ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n" : kOk)) {
        return;
      }
    }
  };
}

std::string bodyOf(const std::string& request) { return request.substr(request.find("\r\n\r\n") + 4); }

TEST_F(Replay, RetriedRequestsCarryTheirBody) {
  auto seen = std::make_shared<std::atomic<int>>(0);
  RawUpstream up(failsFirst(seen));
  ASSERT_TRUE(serveOne(up.port(), "    retry: {codes: [503], attempts: 1}\n")[0].ok);
  Client c(port);
  const std::string body = "amount=42&currency=EUR";
  ASSERT_TRUE(c.send("POST /pay HTTP/1.1\r\nHost: raw.example.com\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << "the retry succeeded";
  ASSERT_EQ(up.requests(), 2u);
  EXPECT_EQ(bodyOf(up.heads()[0]), body);
  EXPECT_EQ(bodyOf(up.heads()[1]), body) << "the retry carries the body intact";
  EXPECT_EQ(server->stats().retries, 1u);

  // Chunked bodies are kept as sent, for every attempt.
  *seen = 0;
  const std::string chunked = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  ASSERT_TRUE(
      c.send("PUT /doc HTTP/1.1\r\nHost: raw.example.com\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked));
  auto r2 = c.read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 200);
  ASSERT_EQ(up.requests(), 4u);
  EXPECT_EQ(bodyOf(up.heads()[2]), chunked);
  EXPECT_EQ(bodyOf(up.heads()[3]), chunked);
}

TEST_F(Replay, BodiesOverTheLimitStreamAndAreNotRetried) {
  auto seen = std::make_shared<std::atomic<int>>(0);
  RawUpstream up(failsFirst(seen));
  dataplane::ServerOptions o;
  o.requestBufferLimit = 1024;
  ASSERT_TRUE(serveOne(up.port(), "    retry: {codes: [503], attempts: 1}\n", o)[0].ok);
  Client c(port);
  const std::string body(4096, 'b');
  ASSERT_TRUE(c.send("POST /big HTTP/1.1\r\nHost: raw.example.com\r\nContent-Length: 4096\r\n\r\n" + body));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << "one attempt: the body was streamed";
  ASSERT_EQ(up.requests(), 1u);
  EXPECT_EQ(bodyOf(up.heads()[0]), body);
  EXPECT_EQ(server->stats().retries, 0u);
  EXPECT_EQ(server->stats().bodiesUnbuffered, 1u);
}

TEST_F(Replay, MirrorsCarryTheBody) {
  RawUpstream primary([](int fd, RawUpstream& self) {
    std::string rest;
    for (;;) {
      std::string head = self.readHead(fd, rest);
      if (head.empty()) return;
      self.noteRequest(head + readBody(fd, head, rest, self));
      if (!RawUpstream::writeAll(fd, kOk)) return;
    }
  });
  RawUpstream mirror([](int fd, RawUpstream& self) {
    std::string rest;
    std::string head = self.readHead(fd, rest);
    if (head.empty()) return;
    self.noteRequest(head + readBody(fd, head, rest, self));
    RawUpstream::writeAll(fd, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
  });
  const std::string rule =
      "    filters:\n    - type: RequestMirror\n      requestMirror: {backendRef: {name: mirror, port: "
      "80}}\n";
  dataplane::ServerOptions o;
  o.workers = 1;
  ASSERT_TRUE(
      serve(gatewayYaml(port) + multiPortServiceYaml("raw", {primary.port()}) +
                multiPortServiceYaml("mirror", {mirror.port()}) +
                routeYaml("r", "[raw.example.com]", "  - backendRefs: [{name: raw, port: 80}]\n" + rule),
            o)[0]
          .ok);
  const std::string body = "{\"event\":\"signup\"}";
  auto r = echotest::roundTrip(port, "POST /events HTTP/1.1\r\nHost: raw.example.com\r\nContent-Length: " +
                                         std::to_string(body.size()) + "\r\n\r\n" + body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << "the client gets the primary's answer";
  ASSERT_TRUE(mirror.waitRequests(1)) << "the mirror received a copy";
  EXPECT_TRUE(mirror.heads()[0].starts_with("POST /events ")) << mirror.heads()[0];
  EXPECT_EQ(bodyOf(mirror.heads()[0]), body);
  ASSERT_EQ(primary.requests(), 1u);
  EXPECT_EQ(bodyOf(primary.heads()[0]), body);
}

}  // namespace
}  // namespace portico::testing
