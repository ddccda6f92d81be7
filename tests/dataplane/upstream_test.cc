// The upstream side end to end: keep-alive pooling, connect failures moved
// to another endpoint, response framings (chunked with trailers, HTTP/1.0
// clients), Expect: 100-continue, HTTPRoute retries and weighted backends.
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"
#include "dataplane/stats.h"

namespace portico::testing {
namespace {

using namespace e2e;

// Serves every request on a connection (keep-alive) with `response`.
RawUpstream::Handler keepAliveResponder(std::string response) {
  return [response = std::move(response)](int fd, RawUpstream& self) {
    std::string rest;
    for (;;) {
      std::string head = self.readHead(fd, rest);
      if (head.empty()) return;
      self.noteRequest(head);
      if (!RawUpstream::writeAll(fd, response)) return;
    }
  };
}

class UpstreamProxy : public ProxyTest {
 protected:
  void SetUp() override { port = freePort(); }

  std::vector<dataplane::BindResult> serveRoutes(const std::string& services, const std::string& routes,
                                                 int workers = 2) {
    dataplane::ServerOptions o;
    o.workers = workers;
    return serve(gatewayYaml(port) + services + routes, o);
  }

  int port = 0;
};

TEST_F(UpstreamProxy, UpstreamConnectionsAreReused) {
  RawUpstream up(keepAliveResponder("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  // One worker: the pool is per worker, so every request shares one pool.
  auto binds =
      serveRoutes(multiPortServiceYaml("raw", {up.port()}),
                  routeYaml("r", "[raw.example.com]", "  - backendRefs: [{name: raw, port: 80}]\n"), 1);
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  Client kept(port);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(kept.send(get("raw.example.com", "/k" + std::to_string(i))));
    auto r = kept.read();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "ok");
  }
  for (int i = 0; i < 10; ++i) {  // new client connections, same pool
    auto r = echotest::roundTrip(port, get("raw.example.com", "/n" + std::to_string(i)));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
  }
  EXPECT_EQ(up.requests(), 20u);
  EXPECT_EQ(up.accepts(), 1) << "sequential requests must share one pooled upstream connection";
}

TEST_F(UpstreamProxy, ClosedPooledConnectionsAreNotReused) {
  // Answers one request per connection, announcing the close.
  RawUpstream up([](int fd, RawUpstream& self) {
    std::string rest;
    std::string head = self.readHead(fd, rest);
    if (head.empty()) return;
    self.noteRequest(head);
    RawUpstream::writeAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
  });
  auto binds =
      serveRoutes(multiPortServiceYaml("raw", {up.port()}),
                  routeYaml("r", "[raw.example.com]", "  - backendRefs: [{name: raw, port: 80}]\n"), 1);
  ASSERT_TRUE(binds[0].ok);
  Client kept(port);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(kept.send(get("raw.example.com", "/")));
    auto r = kept.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("connection"), "") << "upstream Connection: close is hop-by-hop";
  }
  EXPECT_EQ(up.accepts(), 5);
}

TEST_F(UpstreamProxy, ConnectFailureMovesToAnotherEndpoint) {
  Backend live("echo-live");
  ASSERT_GT(live.port, 0);
  const int dead = freePort();  // nothing listens there
  auto binds = serveRoutes(multiPortServiceYaml("svc", {dead, live.port}),
                           routeYaml("r", "[svc.example.com]", "  - backendRefs: [{name: svc, port: 80}]\n"));
  ASSERT_TRUE(binds[0].ok);
  int ok = 0;
  for (int i = 0; i < 20; ++i) {
    // New connections: both workers, both endpoints in turn.
    auto r =
        echotest::roundTrip(port, get("svc.example.com", "/" + std::to_string(i), "Connection: close\r\n"));
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200) << i << ": " << r->body;
    if (r->status == 200) {
      ++ok;
      EXPECT_EQ(nlohmann::json::parse(r->body)["pod"], "echo-live");
    }
  }
  EXPECT_EQ(ok, 20);
  EXPECT_GT(server->stats().upstreamConnectErrors, 0u) << "the dead endpoint was never tried";
}

const char* kChunked =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
    "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Checksum: abc123\r\n\r\n";

TEST_F(UpstreamProxy, ChunkedResponsesAreRelayedWithTrailers) {
  RawUpstream up(keepAliveResponder(kChunked));
  auto binds = serveRoutes(multiPortServiceYaml("raw", {up.port()}),
                           routeYaml("r", "[raw.example.com]", "  - backendRefs: [{name: raw, port: 80}]\n"));
  ASSERT_TRUE(binds[0].ok);
  Client c(port);
  for (int i = 0; i < 3; ++i) {  // framing intact: the connection carries the next response
    ASSERT_TRUE(c.send(get("raw.example.com", "/chunks")));
    auto r = c.read();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(r->chunked);
    EXPECT_EQ(r->body, "hello world");
    EXPECT_EQ(r->trailers.count("x-checksum"), 1u);
    if (r->trailers.count("x-checksum")) {
      EXPECT_EQ(r->trailers.find("x-checksum")->second, "abc123");
    }
  }
}

TEST_F(UpstreamProxy, Http10ClientsGetDelimitedResponses) {
  RawUpstream up(keepAliveResponder(kChunked));
  Backend echo("echo-10");
  auto binds =
      serveRoutes(multiPortServiceYaml("raw", {up.port()}) + serviceYaml("echo-10", echo.port),
                  routeYaml("r", "[raw.example.com]", "  - backendRefs: [{name: raw, port: 80}]\n") +
                      routeYaml("e", "[echo.example.com]", "  - backendRefs: [{name: echo-10, port: 80}]\n"));
  ASSERT_TRUE(binds[0].ok);
  {
    // Chunked upstream, HTTP/1.0 client: no chunked coding, the close
    // delimits the body.
    Client c(port);
    ASSERT_TRUE(c.send("GET /chunks HTTP/1.0\r\nHost: raw.example.com\r\n\r\n"));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->version, "HTTP/1.0");
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("transfer-encoding"), "");
    EXPECT_TRUE(r->closeDelimited);
    EXPECT_EQ(r->body, "hello world");
  }
  {
    // Length-delimited upstream: Content-Length kept, then closed.
    Client c(port);
    ASSERT_TRUE(c.send("GET /len HTTP/1.0\r\nHost: echo.example.com\r\n\r\n"));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->version, "HTTP/1.0");
    EXPECT_EQ(r->status, 200);
    EXPECT_FALSE(r->header("content-length").empty());
    EXPECT_EQ(nlohmann::json::parse(r->body)["path"], "/len");
    EXPECT_TRUE(c.closedWithin(2s)) << "HTTP/1.0 without keep-alive: closed after the response";
  }
  {
    // HTTP/1.0 keep-alive is honoured.
    Client c(port);
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(c.send("GET /ka HTTP/1.0\r\nHost: echo.example.com\r\nConnection: keep-alive\r\n\r\n"));
      auto r = c.read();
      ASSERT_TRUE(r) << i;
      EXPECT_EQ(r->status, 200);
      EXPECT_EQ(lower(r->header("connection")), "keep-alive");
    }
  }
}

TEST_F(UpstreamProxy, ExpectContinueGets100ThenTheResponse) {
  Backend echo("echo-expect");
  auto binds =
      serveRoutes(serviceYaml("echo-expect", echo.port),
                  routeYaml("e", "[echo.example.com]", "  - backendRefs: [{name: echo-expect, port: 80}]\n"));
  ASSERT_TRUE(binds[0].ok);
  Client c(port);
  ASSERT_TRUE(
      c.send("POST /upload HTTP/1.1\r\nHost: echo.example.com\r\nContent-Length: 11\r\n"
             "Expect: 100-continue\r\n\r\n"));
  auto interim = c.read();  // before any body byte was sent
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send("hello world"));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["method"], "POST");
  EXPECT_FALSE(j["headers"].contains("Expect")) << "the proxy answered Expect itself";
  // The connection goes on.
  ASSERT_TRUE(c.send(get("echo.example.com", "/after")));
  auto next = c.read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST_F(UpstreamProxy, RetriesOnConfiguredCodes) {
  Backend flaky("echo-flaky", {"--fail-first", "2"});
  Backend flakier("echo-flakier", {"--fail-first", "3"});
  const std::string retry = "    retry: {codes: [500], attempts: 2}\n";
  auto binds = serveRoutes(
      serviceYaml("echo-flaky", flaky.port) + serviceYaml("echo-flakier", flakier.port),
      routeYaml("f", "[flaky.example.com]", "  - backendRefs: [{name: echo-flaky, port: 80}]\n" + retry) +
          routeYaml("g", "[flakier.example.com]",
                    "  - backendRefs: [{name: echo-flakier, port: 80}]\n" + retry));
  ASSERT_TRUE(binds[0].ok);
  auto r = echotest::roundTrip(port, get("flaky.example.com", "/"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << "two failures, two retries";
  EXPECT_EQ(server->stats().retries, 2u);
  // Three failures exceed 1 + 2 attempts: the last 500 is the answer...
  auto bad = echotest::roundTrip(port, get("flakier.example.com", "/"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 500);
  // ...and the next request succeeds at once.
  auto good = echotest::roundTrip(port, get("flakier.example.com", "/"));
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200);
  EXPECT_EQ(server->stats().retries, 4u);
}

TEST_F(UpstreamProxy, WeightedSplit) {
  Backend heavy("echo-70"), light("echo-30");
  auto binds = serveRoutes(serviceYaml("echo-70", heavy.port) + serviceYaml("echo-30", light.port),
                           routeYaml("w", "[weights.example.com]",
                                     "  - backendRefs:\n    - {name: echo-70, port: 80, weight: 70}\n"
                                     "    - {name: echo-30, port: 80, weight: 30}\n"));
  ASSERT_TRUE(binds[0].ok);
  std::map<std::string, int> pods;
  constexpr int kRequests = 400;
  std::vector<std::unique_ptr<Client>> conns;
  for (int i = 0; i < 4; ++i) conns.push_back(std::make_unique<Client>(port));
  for (int i = 0; i < kRequests; ++i) {
    Client& c = *conns[static_cast<size_t>(i) % conns.size()];
    ASSERT_TRUE(c.send(get("weights.example.com", "/")));
    auto r = c.read();
    ASSERT_TRUE(r) << i;
    ASSERT_EQ(r->status, 200);
    pods[nlohmann::json::parse(r->body)["pod"].get<std::string>()]++;
  }
  EXPECT_EQ(pods.size(), 2u);
  EXPECT_EQ(pods["echo-70"] + pods["echo-30"], kRequests);
  // 70% of 400 has a standard deviation of ~9 requests; +-8% is over 3.4 sigma.
  const double share = static_cast<double>(pods["echo-70"]) / kRequests;
  EXPECT_NEAR(share, 0.70, 0.08) << pods["echo-70"] << "/" << pods["echo-30"];
}

// Envoy's upstream_rq_time: first request byte out to last response byte
// in, per backend cluster; local answers are not upstream time.
TEST_F(UpstreamProxy, UpstreamTimeIsObservedPerBackend) {
  Backend echo("echo-time");
  auto binds =
      serveRoutes(serviceYaml("echo-time", echo.port),
                  routeYaml("t", "[time.example.com]", "  - backendRefs: [{name: echo-time, port: 80}]\n"));
  ASSERT_TRUE(binds[0].ok);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(echotest::roundTrip(port, get("time.example.com", "/fast"))->status, 200);
  ASSERT_EQ(echotest::roundTrip(port, get("time.example.com", "/slow?delay=300ms"))->status, 200);
  ASSERT_EQ(echotest::roundTrip(port, get("nowhere.example.com", "/"))->status, 404);
  dataplane::Histogram h;
  // Observed once the last byte went out: wait (bounded) for the worker.
  ASSERT_TRUE(eventually([&] {
    auto s = server->labelledStats();
    auto it = s.upstreamTime.find("default/echo-time:80");
    if (it != s.upstreamTime.end()) h = it->second;
    return h.count >= 4;
  }));
  EXPECT_EQ(h.count, 4u) << "one observation per proxied response; the 404 is not one";
  EXPECT_GE(h.micros, 300000u) << "the delayed response took at least 300 ms upstream";
  uint64_t above250ms = 0;
  for (size_t i = 0; i < dataplane::kLatencyBuckets.size(); ++i) {
    if (dataplane::kLatencyBuckets[i] > 0.25) above250ms += h.buckets[i];
  }
  above250ms += h.buckets.back();
  EXPECT_EQ(above250ms, 1u) << "exactly the delayed response is above 250 ms";
}

// v1.6: a RequestRedirect on a backendRef answers the share of requests
// whose weighted pick chooses that backendRef; nothing reaches its Service.
TEST_F(UpstreamProxy, BackendLevelRedirectAnswersItsShare) {
  Backend echo("echo-split");
  const std::string redirect =
      "      filters:\n      - type: RequestRedirect\n        requestRedirect: {hostname: new.example.com, "
      "statusCode: 301}\n";
  auto binds =
      serveRoutes(serviceYaml("echo-split", echo.port),
                  routeYaml("only", "[only.example.com]",
                            "  - backendRefs:\n    - name: echo-split\n      port: 80\n" + redirect) +
                      routeYaml("split", "[split.example.com]",
                                "  - backendRefs:\n    - {name: echo-split, port: 80, weight: 1}\n"
                                "    - name: echo-split\n      port: 80\n      weight: 1\n" +
                                    redirect));
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  auto r = echotest::roundTrip(port, get("only.example.com", "/path?x=1"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 301);
  EXPECT_EQ(r->header("location"), "http://new.example.com:" + std::to_string(port) + "/path?x=1");
  EXPECT_TRUE(server->labelledStats().upstreamTime.empty()) << "nothing was proxied";

  int redirected = 0, proxied = 0;
  Client c(port);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(c.send(get("split.example.com", "/s")));
    auto s = c.read();
    ASSERT_TRUE(s) << i;
    if (s->status == 301) {
      ++redirected;
      EXPECT_EQ(s->header("location"), "http://new.example.com:" + std::to_string(port) + "/s");
    } else {
      ASSERT_EQ(s->status, 200) << s->body;
      ++proxied;
    }
  }
  // 50/50 over 100 requests: outside 20..80 is a 6-sigma event.
  EXPECT_GT(redirected, 20);
  EXPECT_GT(proxied, 20);
}

TEST_F(UpstreamProxy, LocalAnswersNeverReadABodyAsTheNextRequest) {
  Backend echo("echo-local");
  auto binds =
      serveRoutes(serviceYaml("echo-local", echo.port),
                  routeYaml("e", "[echo.example.com]", "  - backendRefs: [{name: echo-local, port: 80}]\n"));
  ASSERT_TRUE(binds[0].ok);
  // A body that looks like a request, sent to a host without routes: the
  // 404 must not leave the body to be parsed as a second request.
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: echo.example.com\r\n\r\n";
  Client c(port);
  ASSERT_TRUE(c.send("POST /x HTTP/1.1\r\nHost: nowhere.example.com\r\nContent-Length: " +
                     std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  auto second = c.read();
  EXPECT_FALSE(second && second->status == 200) << "the request body was served as a request";
}

TEST_F(UpstreamProxy, LocalAnswersToHeadHaveNoBody) {
  Backend echo("echo-head");
  auto binds =
      serveRoutes(serviceYaml("echo-head", echo.port),
                  routeYaml("e", "[echo.example.com]", "  - backendRefs: [{name: echo-head, port: 80}]\n"));
  ASSERT_TRUE(binds[0].ok);
  Client c(port);
  ASSERT_TRUE(
      c.send("HEAD /x HTTP/1.1\r\nHost: nowhere.example.com\r\n\r\n" + get("echo.example.com", "/next")));
  auto head = c.read(true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 404);
  auto next = c.read();
  ASSERT_TRUE(next) << "the HEAD response carried a body";
  EXPECT_EQ(next->status, 200);
  // The same through the upstream: HEAD is relayed without a body.
  ASSERT_TRUE(
      c.send("HEAD /h HTTP/1.1\r\nHost: echo.example.com\r\n\r\n" + get("echo.example.com", "/next")));
  auto relayed = c.read(true);
  ASSERT_TRUE(relayed);
  EXPECT_EQ(relayed->status, 200);
  auto after = c.read();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

}  // namespace
}  // namespace portico::testing
