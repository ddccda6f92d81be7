// Lingering close (RFC 9112 §9.6): an answer sent while the client is
// still sending (a 404 or 413 before the body was read, a 400 with more
// bytes behind it) is followed by a half-close, and the rest of the
// request is read and dropped, so the client gets the whole response and
// then a clean end of stream instead of a reset. Bounded in time and bytes.
#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using namespace e2e;

class Linger : public ProxyTest {
 protected:
  void SetUp() override {
    echo = std::make_unique<Backend>("echo-linger");
    ASSERT_GT(echo->port, 0);
    port = freePort();
  }
  void start(dataplane::ServerOptions o) {
    auto binds =
        serve(gatewayYaml(port) + serviceYaml("echo-linger", echo->port) +
                  routeYaml("r", "[app.example.com]", "  - backendRefs: [{name: echo-linger, port: 80}]\n"),
              o);
    ASSERT_TRUE(binds[0].ok) << binds[0].error;
  }
  // What follows the response on the connection: 0 = a clean end of
  // stream (FIN), -1 = a reset or an error.
  static long afterResponse(Client& c) {
    char b;
    return c.readSome(&b, 1);
  }

  std::unique_ptr<Backend> echo;
  int port = 0;
};

// 16 MiB is more than loopback socket buffers hold: without lingering the
// close resets the connection while the client is still sending.
constexpr size_t kLargeBody = 16 * 1024 * 1024;

TEST_F(Linger, ClientSendingABodyToA404GetsTheResponse) {
  dataplane::ServerOptions o;
  o.lingerMaxBytes = 2 * kLargeBody;
  start(o);
  Client c(port);
  const std::string request =
      "POST /upload HTTP/1.1\r\nHost: nowhere.example.com\r\nContent-Length: " + std::to_string(kLargeBody) +
      "\r\n\r\n" + std::string(kLargeBody, 'x');
  EXPECT_TRUE(c.send(request)) << "the body was refused with a reset (errno " << errno << ")";
  auto r = c.read();
  ASSERT_TRUE(r) << "the response was lost";
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, "no route");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_EQ(afterResponse(c), 0) << "a half-close, not a reset";
  EXPECT_EQ(server->stats().lingeringCloses, 1u);
}

TEST_F(Linger, ClientSendingABodyOverTheLimitGets413) {
  dataplane::ServerOptions o;
  o.maxRequestBody = 1024;
  o.lingerMaxBytes = 2 * kLargeBody;
  start(o);
  Client c(port);
  const std::string request =
      "PUT /big HTTP/1.1\r\nHost: app.example.com\r\nContent-Length: " + std::to_string(kLargeBody) +
      "\r\n\r\n" + std::string(kLargeBody, 'y');
  EXPECT_TRUE(c.send(request)) << "errno " << errno;
  auto r = c.read();
  ASSERT_TRUE(r) << "the response was lost";
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(afterResponse(c), 0);
}

TEST_F(Linger, MalformedRequestWithMoreBytesBehindIt) {
  dataplane::ServerOptions o;
  o.lingerMaxBytes = 2 * kLargeBody;
  start(o);
  Client c(port);
  EXPECT_TRUE(c.send("GET / HTTP/1.1\r\nHost: app.example.com\r\nBad Header: x\r\n\r\n" +
                     std::string(kLargeBody, 'z')))
      << "errno " << errno;
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(afterResponse(c), 0);
}

TEST_F(Linger, NoLingeringWhenNothingIsLeftUnread) {
  start({});
  Client c(port);
  ASSERT_TRUE(c.send(get("app.example.com", "/", "Connection: close\r\n")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(c.closedWithin(5s));
  EXPECT_EQ(server->stats().lingeringCloses, 0u);
}

TEST_F(Linger, BoundedInTime) {
  dataplane::ServerOptions o;
  o.lingerTimeout = std::chrono::milliseconds(200);
  start(o);
  Client c(port);
  // Announces 1 MiB, sends 1 KiB, then neither sends nor closes.
  ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nHost: nowhere.example.com\r\nContent-Length: 1048576\r\n\r\n" +
                     std::string(1024, 'q')));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(afterResponse(c), 0);
  // The client keeps its end open; the proxy lets go after the timeout.
  EXPECT_TRUE(eventually([&] { return server->stats().activeConnections == 0; }, 5s));
}

TEST_F(Linger, BoundedInBytes) {
  dataplane::ServerOptions o;
  o.lingerMaxBytes = 64 * 1024;
  o.lingerTimeout = std::chrono::milliseconds(60000);
  start(o);
  Client c(port);
  ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nHost: nowhere.example.com\r\nContent-Length: 1048576\r\n\r\n"));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  // 256 KiB more than the proxy drops: it closes long before the 60 s.
  c.send(std::string(256 * 1024, 'q'));
  EXPECT_TRUE(eventually([&] { return server->stats().activeConnections == 0; }, 5s));
}

}  // namespace
}  // namespace portico::testing
