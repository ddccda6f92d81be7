// HTTP/1.1 Upgrade through the data plane end to end: Boost.Beast
// WebSocket clients -> portico dataplane::Server -> portico-echo's /ws
// (Beast's WebSocket echo), and scripted upstreams for other Upgrade
// tokens, half-close and upstream closes. Every wait is bounded: Beast runs
// on a test-owned io_context for at most a deadline.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <latch>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using namespace e2e;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// A WebSocket client on its own io_context; each step runs for at most
// its deadline and fails (with `error`) when it does not finish.
class WsClient {
 public:
  // Connects to 127.0.0.1:port and runs the opening handshake for
  // ws://host/target (RFC 6455 §4.1). `res` receives the handshake answer.
  bool open(int port, const std::string& host, const std::string& target,
            websocket::response_type* res = nullptr) {
    return run([&]() -> asio::awaitable<void> {
      co_await ws_.next_layer().async_connect(
          tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<uint16_t>(port)), asio::use_awaitable);
      ws_.read_message_max(0);  // no limit: the large-message test
      if (res) {
        co_await ws_.async_handshake(*res, host, target, asio::use_awaitable);
      } else {
        co_await ws_.async_handshake(host, target, asio::use_awaitable);
      }
    });
  }

  bool send(const std::string& message, bool binary) {
    return run([&]() -> asio::awaitable<void> {
      ws_.binary(binary);
      co_await ws_.async_write(asio::buffer(message), asio::use_awaitable);
    });
  }

  // The next message, and whether it was text.
  std::optional<std::pair<std::string, bool>> receive(std::chrono::milliseconds timeout = 10s) {
    beast::flat_buffer buffer;
    bool ok = run([&]() -> asio::awaitable<void> { co_await ws_.async_read(buffer, asio::use_awaitable); },
                  timeout);
    if (!ok) return std::nullopt;
    std::pair<std::string, bool> out(beast::buffers_to_string(buffer.data()), ws_.got_text());
    return out;
  }

  // Sends a message and reads the echo; the echo's payload and type.
  std::optional<std::pair<std::string, bool>> echo(const std::string& message, bool binary) {
    if (!send(message, binary)) return std::nullopt;
    return receive();
  }

  // The WebSocket closing handshake (RFC 6455 §7.1.2), then the server's
  // TCP close.
  bool close() {
    return run([&]() -> asio::awaitable<void> {
      co_await ws_.async_close(websocket::close_code::normal, asio::use_awaitable);
    });
  }

  // Waits (bounded) for the connection to end from the other side: a read
  // that fails. False when a message arrives or the deadline passes.
  bool endsWithin(std::chrono::milliseconds timeout) {
    beast::flat_buffer buffer;
    bool read = run([&]() -> asio::awaitable<void> { co_await ws_.async_read(buffer, asio::use_awaitable); },
                    timeout);
    return !read && !timedOut_;
  }

  const std::string& error() const { return error_; }

 private:
  template <class F>
  bool run(F&& body, std::chrono::milliseconds timeout = 10s) {
    bool done = false;
    std::exception_ptr failure;
    error_.clear();
    timedOut_ = false;
    asio::co_spawn(io_, body(), [&](std::exception_ptr e) {
      done = true;
      failure = e;
    });
    io_.restart();
    io_.run_for(timeout);
    if (!done) {
      timedOut_ = true;
      error_ = "timed out";
      boost::system::error_code ec;
      beast::get_lowest_layer(ws_).close(ec);
      io_.restart();
      io_.run_for(std::chrono::seconds(2));  // lets the aborted operation finish
      return false;
    }
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        error_ = e.what();
      }
      return false;
    }
    return true;
  }

  asio::io_context io_;
  websocket::stream<tcp::socket> ws_{io_};
  std::string error_;
  bool timedOut_ = false;
};

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
  return s;
}

// An upgrade request for a token other than websocket.
std::string upgradeRequest(const std::string& host, const std::string& path, const std::string& token,
                           const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: Upgrade\r\nUpgrade: " + token +
         "\r\n" + extra + "\r\n";
}

// Reads until the peer closes; what arrived, and "<timeout>" appended
// when a read outlived the client's receive timeout instead.
std::string readToEnd(Client& c) {
  std::string out;
  char buf[16384];
  for (;;) {
    long n = c.readSome(buf, sizeof buf);
    if (n == 0) return out;
    if (n < 0) return out + (errno == EAGAIN || errno == EWOULDBLOCK ? "<timeout>" : "");
    out.append(buf, static_cast<size_t>(n));
  }
}

// Reads exactly `n` bytes (bounded by the client's receive timeout).
std::string readExactly(Client& c, size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    long r = c.readSome(out.data() + got, n - got);
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  out.resize(got);
  return out;
}

class WebSocketProxy : public ProxyTest {
 protected:
  void SetUp() override {
    echo = std::make_unique<Backend>("echo-ws");
    ASSERT_GT(echo->port, 0);
    // A scripted upstream for a token of its own ("portico-test"): it
    // answers 101 with a few bytes of the new protocol, then echoes what
    // it reads in upper case, and on the client's end of stream sends
    // "bye" and closes. /close answers 101 and closes at once; /decline
    // answers 426; anything else without Upgrade is a 200.
    raw = std::make_unique<RawUpstream>([](int fd, RawUpstream& self) {
      std::string rest;
      std::string head = self.readHead(fd, rest);
      if (head.empty()) return;
      self.noteRequest(head);
      if (head.find(" /decline ") != std::string::npos) {
        RawUpstream::writeAll(
            fd, "HTTP/1.1 426 Upgrade Required\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope");
        return;
      }
      RawUpstream::writeAll(fd,
                            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: portico-test\r\nConnection: "
                            "Upgrade, X-Hop\r\nX-Hop: 1\r\n"
                            "X-Upstream: raw\r\n\r\nhello");
      if (head.find(" /close ") != std::string::npos) return;
      std::string data = rest;
      const auto until = Clock::now() + 10s;
      char buf[16384];
      while (Clock::now() < until && !self.stopping()) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        std::string chunk(buf, static_cast<size_t>(n));
        for (char& c : chunk) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (!RawUpstream::writeAll(fd, chunk)) return;
      }
      RawUpstream::writeAll(fd, "bye");
    });
    port = freePort();
    tlsPort = freePort();
    yaml = gatewayYaml(port, "  - {name: https, port: " + std::to_string(tlsPort) +
                                 ", protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}\n") +
           "---\n" + tlsSecretYaml("default", "cert", selfSigned({"raw.example.com", "ws.example.com"})) +
           serviceYaml("echo-ws", echo->port) + multiPortServiceYaml("raw", {raw->port()}) + R"(
---
apiVersion: v1
kind: Service
metadata: {name: wsapp}
spec:
  ports: [{name: ws, port: 80, appProtocol: kubernetes.io/ws}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: wsapp-1
  labels: {kubernetes.io/service-name: wsapp}
addressType: IPv4
ports: [{name: ws, port: )" +
           std::to_string(echo->port) +
           R"(}]
endpoints:
- addresses: [127.0.0.1]
---
apiVersion: v1
kind: Service
metadata: {name: empty}
spec:
  ports: [{name: http, port: 80}]
)" + routeYaml("ws", "[ws.example.com]", R"(  - filters:
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        set: [{name: X-Served-By, value: portico}]
    backendRefs: [{name: echo-ws, port: 80}]
)") + routeYaml("app", "[app.example.com]", "  - backendRefs: [{name: wsapp, port: 80}]\n") +
           routeYaml("raw", "[raw.example.com]", "  - backendRefs: [{name: raw, port: 80}]\n") +
           routeYaml("empty", "[empty.example.com]", "  - backendRefs: [{name: empty, port: 80}]\n");
  }

  void start(dataplane::ServerOptions opts = {}) {
    opts.accessLog = [this](const std::string& line) {
      std::lock_guard l(logMu);
      logLines.push_back(line);
    };
    auto binds = serve(yaml, opts);
    ASSERT_EQ(binds.size(), 2u);
    for (const auto& b : binds) ASSERT_TRUE(b.ok) << b.port << ": " << b.error;
  }

  std::vector<std::string> logs() {
    std::lock_guard l(logMu);
    return logLines;
  }

  std::unique_ptr<Backend> echo;
  std::unique_ptr<RawUpstream> raw;
  int port = 0;
  int tlsPort = 0;
  std::string yaml;
  std::mutex logMu;
  std::vector<std::string> logLines;
};

TEST_F(WebSocketProxy, TextAndBinaryMessagesAreEchoed) {
  start();
  WsClient ws;
  websocket::response_type res;
  ASSERT_TRUE(ws.open(port, "ws.example.com", "/ws", &res)) << ws.error();
  EXPECT_EQ(res.result_int(), 101u);
  // The 101 went through the route's response header filter.
  EXPECT_EQ(res["X-Served-By"], "portico");

  auto text = ws.echo("hello through portico", false);
  ASSERT_TRUE(text) << ws.error();
  EXPECT_EQ(text->first, "hello through portico");
  EXPECT_TRUE(text->second);

  const std::string bytes = pattern(4096);
  auto binary = ws.echo(bytes, true);
  ASSERT_TRUE(binary) << ws.error();
  EXPECT_EQ(binary->first, bytes);
  EXPECT_FALSE(binary->second);

  EXPECT_EQ(server->stats().upgradedConnections, 1u);
  EXPECT_EQ(server->stats().activeTunnels, 1u);
  ASSERT_TRUE(ws.close()) << ws.error();
  EXPECT_TRUE(eventually([&] { return server->stats().activeTunnels == 0; }));
  // Logged once, with its 101, when the tunnel closed.
  ASSERT_TRUE(eventually([&] { return logs().size() == 1; }));
  auto line = nlohmann::json::parse(logs()[0]);
  EXPECT_EQ(line["status"], 101);
  EXPECT_EQ(line["path"], "/ws");
  EXPECT_GT(line["bytes"].get<uint64_t>(), 4096u);
  EXPECT_EQ(server->stats().requestsByCode[101], 1u);
}

TEST_F(WebSocketProxy, LargeMessageIsEchoed) {
  start();
  WsClient ws;
  ASSERT_TRUE(ws.open(port, "ws.example.com", "/ws")) << ws.error();
  const std::string big = pattern(3 * 1024 * 1024 + 17);
  auto back = ws.echo(big, true);
  ASSERT_TRUE(back) << ws.error();
  EXPECT_EQ(back->first.size(), big.size());
  EXPECT_TRUE(back->first == big);
  ASSERT_TRUE(ws.close()) << ws.error();
}

TEST_F(WebSocketProxy, BackendWithWsAppProtocol) {
  start();
  WsClient ws;
  ASSERT_TRUE(ws.open(port, "app.example.com", "/ws")) << ws.error();
  auto back = ws.echo("over kubernetes.io/ws", false);
  ASSERT_TRUE(back) << ws.error();
  EXPECT_EQ(back->first, "over kubernetes.io/ws");
  ASSERT_TRUE(ws.close()) << ws.error();
}

TEST_F(WebSocketProxy, ConcurrentTunnels) {
  start();
  constexpr int kClients = 8;
  constexpr int kMessages = 20;
  std::latch opened(kClients);
  std::latch go(1);
  std::vector<int> echoed(kClients, 0);
  std::vector<std::string> errors(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      WsClient ws;
      const bool ok = ws.open(port, "ws.example.com", "/ws");
      if (!ok) errors[i] = ws.error();
      opened.count_down();
      go.wait();
      if (!ok) return;
      for (int m = 0; m < kMessages; ++m) {
        const std::string msg = "client " + std::to_string(i) + " message " + std::to_string(m);
        auto back = ws.echo(msg, m % 2 == 1);
        if (!back || back->first != msg) {
          errors[i] = back ? "wrong echo " + back->first : ws.error();
          return;
        }
        ++echoed[i];
      }
      if (!ws.close()) errors[i] = ws.error();
    });
  }
  opened.wait();
  EXPECT_TRUE(eventually([&] { return server->stats().activeTunnels == kClients; }))
      << server->stats().activeTunnels;
  go.count_down();
  for (auto& t : threads) t.join();
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(echoed[i], kMessages) << "client " << i << ": " << errors[i];
  }
  EXPECT_TRUE(eventually([&] { return server->stats().activeTunnels == 0; }));
  EXPECT_EQ(server->stats().upgradedConnections, static_cast<uint64_t>(kClients));
}

// Another token, early bytes after the 101, the client's end of stream
// passed on (half-close), the upstream's answer to it, and its close
// closing the client.
TEST_F(WebSocketProxy, OtherUpgradeTokenWithHalfClose) {
  start();
  Client c(port, 5s);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send(upgradeRequest("raw.example.com", "/echo", "portico-test",
                                    "Connection: X-Hop\r\nX-Hop: dropped\r\nKeep-Alive: timeout=5\r\n")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 101);
  EXPECT_EQ(r->header("upgrade"), "portico-test");
  EXPECT_EQ(lower(r->header("connection")), "upgrade");
  EXPECT_EQ(r->header("x-upstream"), "raw");
  EXPECT_EQ(r->header("x-hop"), "");  // named in the upstream's Connection: hop-by-hop
  EXPECT_EQ(readExactly(c, 5), "hello");
  ASSERT_TRUE(c.send("abc"));
  EXPECT_EQ(readExactly(c, 3), "ABC");
  ::shutdown(c.fd(), SHUT_WR);  // the upstream sees it, answers, closes
  EXPECT_EQ(readToEnd(c), "bye");

  // What the upstream received: the Upgrade and Connection: Upgrade, none
  // of the other hop-by-hop fields.
  ASSERT_EQ(raw->heads().size(), 1u);
  const std::string head = raw->heads()[0];
  EXPECT_NE(head.find("\r\nUpgrade: portico-test\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nConnection: Upgrade\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("X-Hop"), std::string::npos) << head;
  EXPECT_EQ(head.find("Keep-Alive"), std::string::npos) << head;
  EXPECT_TRUE(eventually([&] { return server->stats().activeTunnels == 0; }));
}

// The upstream's close reaches the client as its end of stream; a client
// that keeps its half open is closed after lingerTimeout of silence.
TEST_F(WebSocketProxy, UpstreamCloseClosesClient) {
  dataplane::ServerOptions opts;
  opts.lingerTimeout = std::chrono::milliseconds(200);
  start(opts);
  Client c(port, 5s);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send(upgradeRequest("raw.example.com", "/close", "portico-test")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 101);
  EXPECT_EQ(readToEnd(c), "hello");  // then the end of stream
  EXPECT_TRUE(eventually([&] { return server->stats().activeTunnels == 0; }));
}

// Over an HTTPS listener (HTTP/1.1 by ALPN): the same tunnel through the
// TLS stream; the upstream's close ends the client's connection, and the
// client's close ends the tunnel.
TEST_F(WebSocketProxy, TunnelOverTls) {
  start();
  TlsOptions tls;
  tls.sni = "raw.example.com";
  tls.alpn = {"http/1.1"};
  {
    Client c(tlsPort, tls, 5s);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.send(upgradeRequest("raw.example.com", "/echo", "portico-test")));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 101);
    EXPECT_EQ(readExactly(c, 5), "hello");
    const std::string big = pattern(64 * 1024 + 3);
    std::string upper = big;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    ASSERT_TRUE(c.send(big));
    EXPECT_TRUE(readExactly(c, big.size()) == upper);
    EXPECT_EQ(server->stats().activeTunnels, 1u);
  }  // the client closes
  EXPECT_TRUE(eventually([&] { return server->stats().activeTunnels == 0; }));

  Client c(tlsPort, tls, 5s);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send(upgradeRequest("raw.example.com", "/close", "portico-test")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 101);
  EXPECT_EQ(readToEnd(c), "hello");
  EXPECT_TRUE(eventually([&] { return server->stats().activeTunnels == 0; }));
  EXPECT_EQ(server->stats().upgradedConnections, 2u);
}

TEST_F(WebSocketProxy, NonSwitchingAnswersAreRelayed) {
  start();
  Client c(port);
  ASSERT_TRUE(c.ok());
  // A WebSocket upgrade to a path the echo does not upgrade: a normal 200,
  // and the connection stays HTTP/1.1.
  ASSERT_TRUE(c.send(get("ws.example.com", "/plain",
                         "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto body = nlohmann::json::parse(r->body);
  EXPECT_EQ(body["headers"]["Upgrade"][0], "websocket") << r->body;
  ASSERT_TRUE(c.send(get("ws.example.com", "/again")));
  auto again = c.read();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);

  // An upstream's refusal keeps its status and body.
  Client d(port);
  ASSERT_TRUE(d.send(upgradeRequest("raw.example.com", "/decline", "portico-test")));
  auto declined = d.read();
  ASSERT_TRUE(declined);
  EXPECT_EQ(declined->status, 426);
  EXPECT_EQ(declined->body, "nope");

  // A non-WebSocket token to the echo's /ws: its 400.
  Client e(port);
  ASSERT_TRUE(e.send(upgradeRequest("ws.example.com", "/ws", "portico-test")));
  auto bad = e.read();
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(server->stats().upgradedConnections, 0u);
}

TEST_F(WebSocketProxy, NoBackendGetsTheNormalError) {
  start();
  WsClient ws;
  websocket::response_type res;
  EXPECT_FALSE(ws.open(port, "empty.example.com", "/ws", &res));
  EXPECT_EQ(res.result_int(), 503u);
  WsClient other;
  websocket::response_type none;
  EXPECT_FALSE(other.open(port, "unknown.example.com", "/ws", &none));
  EXPECT_EQ(none.result_int(), 404u);
  EXPECT_EQ(server->stats().upgradedConnections, 0u);
}

// h2c is never passed on: the request goes as a plain request.
TEST_F(WebSocketProxy, H2cUpgradeIsNotTunnelled) {
  start();
  Client c(port);
  ASSERT_TRUE(c.send(
      get("ws.example.com", "/h2c",
          "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto body = nlohmann::json::parse(r->body);
  EXPECT_FALSE(body["headers"].contains("Upgrade")) << r->body;
  EXPECT_FALSE(body["headers"].contains("Http2-Settings")) << r->body;
  EXPECT_EQ(server->stats().upgradedConnections, 0u);
}

TEST_F(WebSocketProxy, IdleTunnelIsClosed) {
  dataplane::ServerOptions opts;
  opts.tunnelIdleTimeout = std::chrono::milliseconds(300);
  start(opts);
  WsClient ws;
  ASSERT_TRUE(ws.open(port, "ws.example.com", "/ws")) << ws.error();
  auto back = ws.echo("still here", false);
  ASSERT_TRUE(back) << ws.error();
  const auto idleFrom = Clock::now();
  EXPECT_TRUE(ws.endsWithin(5s)) << ws.error();
  const auto waited = Clock::now() - idleFrom;
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 5s);
  EXPECT_TRUE(eventually([&] { return server->stats().activeTunnels == 0; }));
}

// A drain lets an open tunnel run until it closes; stop() returns then.
TEST_F(WebSocketProxy, DrainKeepsTunnelsUntilTheyClose) {
  start();
  WsClient ws;
  ASSERT_TRUE(ws.open(port, "ws.example.com", "/ws")) << ws.error();
  std::thread stopper([&] { server->stop(std::chrono::milliseconds(10000)); });
  EXPECT_TRUE(eventually([&] { return connectRefused(port); }));  // draining
  auto back = ws.echo("during the drain", false);
  ASSERT_TRUE(back) << ws.error();
  EXPECT_EQ(back->first, "during the drain");
  const auto closing = Clock::now();
  EXPECT_TRUE(ws.close()) << ws.error();
  stopper.join();
  EXPECT_LT(Clock::now() - closing, 5s);
}

// The drain deadline closes a tunnel that does not end by itself.
TEST_F(WebSocketProxy, DrainDeadlineClosesTunnels) {
  start();
  WsClient ws;
  ASSERT_TRUE(ws.open(port, "ws.example.com", "/ws")) << ws.error();
  const auto stopping = Clock::now();
  server->stop(std::chrono::milliseconds(200));
  EXPECT_GE(Clock::now() - stopping, 150ms);
  EXPECT_LT(Clock::now() - stopping, 3s);
  server.reset();  // the workers' teardown closes what the drain left
  EXPECT_TRUE(ws.endsWithin(5s)) << ws.error();
}

}  // namespace
}  // namespace portico::testing
