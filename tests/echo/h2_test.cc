// portico-echo over HTTP/2: h2c with prior knowledge and by Upgrade on
// --h2c-listen (plain HTTP/1.1 refused there), and h2 over TLS by ALPN. The
// client is nghttp2's client session in this process.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "echo/echo_harness.h"
#include "echo/h2_client.h"

namespace portico::echotest {
namespace {

using nlohmann::json;

json body(const std::optional<H2Response>& r) { return r ? json::parse(r->body) : json(); }

// Starts portico-echo with one h2c listener; returns its port.
int startH2c(EchoProcess& echo) {
  const auto ports = echo.ports(1);
  return ports.size() == 1 ? ports[0] : -1;
}

TEST(EchoH2c, PriorKnowledgeDescribesTheRequest) {
  EchoProcess echo({"--h2c-listen", "127.0.0.1:0", "--namespace", "ns1", "--pod", "pod-h2"});
  const int port = startH2c(echo);
  ASSERT_GT(port, 0);
  Connection conn(port);
  ASSERT_TRUE(conn.ok());
  H2Client client(conn);
  H2Request req;
  req.authority = "h2.example.com";
  req.path = "/foo//bar?x=1";
  req.headers = {{"x-custom", "a"}, {"x-custom", "b"}, {"cookie", "a=1"}, {"cookie", "b=2"}};
  const auto r = client.get(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->header("x-content-type-options"), "nosniff");
  EXPECT_EQ(r->header("content-length"), std::to_string(r->body.size()));
  const json j = body(r);
  EXPECT_EQ(j["proto"], "HTTP/2.0");
  EXPECT_EQ(j["host"], "h2.example.com");
  EXPECT_EQ(j["path"], "/foo//bar?x=1");
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["headers"]["X-Custom"], json({"a", "b"}));
  EXPECT_EQ(j["headers"]["Cookie"], json({"a=1; b=2"}));  // as Go's http2 server joins them
  for (const auto& [name, values] : j["headers"].items()) EXPECT_FALSE(name.starts_with(":")) << name;
  EXPECT_FALSE(j["headers"].contains("Host"));
  EXPECT_EQ(j["namespace"], "ns1");
  EXPECT_EQ(j["pod"], "pod-h2");
  EXPECT_EQ(j["httpPort"], std::to_string(port));
  EXPECT_FALSE(j.contains("tls"));
  const auto line = echo.readLine();
  ASSERT_TRUE(line);
  EXPECT_TRUE(line->starts_with("Echoing back request made to /foo//bar?x=1 to client (127.0.0.1:")) << *line;
}

TEST(EchoH2c, HandlerKnobsWorkOverHttp2) {
  EchoProcess echo({"--h2c-listen", "127.0.0.1:0"});
  const int port = startH2c(echo);
  ASSERT_GT(port, 0);
  Connection conn(port);
  H2Client client(conn);
  H2Request set;
  set.path = "/set";
  set.headers = {{"x-echo-set-header", "X-A:1, x-b : two ,X-A:3"}};
  const auto r = client.get(set);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("x-a"), "1,3");
  EXPECT_EQ(r->header("x-b"), "two");

  H2Request status;
  status.path = "/status/404";
  const auto s = client.get(status);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, 404);

  H2Request health;
  health.path = "/health";
  const auto h = client.get(health);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(h->body, "OK");

  H2Request head;
  head.method = "HEAD";
  head.path = "/head";
  const auto hd = client.get(head);
  ASSERT_TRUE(hd);
  EXPECT_EQ(hd->status, 200);
  EXPECT_TRUE(hd->body.empty());
  ASSERT_FALSE(hd->header("content-length").empty());  // the size a GET would have had
  EXPECT_GT(std::stoi(hd->header("content-length")), 100);

  H2Request bad;
  bad.path = "/?delay=soon";
  const auto b = client.get(bad);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, 500);
  EXPECT_TRUE(body(b).contains("message"));
}

TEST(EchoH2c, AnswersOnceTheRequestBodyEnded) {
  EchoProcess echo({"--h2c-listen", "127.0.0.1:0"});
  const int port = startH2c(echo);
  ASSERT_GT(port, 0);
  Connection conn(port);
  H2Client client(conn);
  H2Request post;
  post.method = "POST";
  post.path = "/upload";
  post.body = std::string(100000, 'x');  // more than the initial flow-control window
  post.headers = {{"content-length", std::to_string(post.body.size())}};
  const auto r = client.get(post);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const json j = body(r);
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["headers"]["Content-Length"], json({"100000"}));
}

TEST(EchoH2c, DelayedStreamsDoNotBlockOthers) {
  EchoProcess echo({"--h2c-listen", "127.0.0.1:0"});
  const int port = startH2c(echo);
  ASSERT_GT(port, 0);
  Connection conn(port);
  H2Client client(conn);
  H2Request slow;
  slow.path = "/slow?delay=800ms";
  H2Request fast;
  fast.path = "/fast";
  const auto start = std::chrono::steady_clock::now();
  const int32_t slowId = client.submit(slow);
  const auto f = client.get(fast);
  ASSERT_TRUE(f);
  EXPECT_EQ(body(f)["path"], "/fast");
  EXPECT_FALSE(client.closed(slowId));  // answered on the same connection before the delayed one
  const auto s = client.wait(slowId);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 800ms);
}

TEST(EchoH2c, RetrySimulatorResetsTheStream) {
  EchoProcess echo({"--h2c-listen", "127.0.0.1:0"});
  const int port = startH2c(echo);
  ASSERT_GT(port, 0);
  Connection conn(port);
  H2Client client(conn);
  H2Request retry;
  retry.path = "/retry/x?uuid=h2&succeedAfter=1";
  const auto first = client.get(retry);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 0);
  EXPECT_EQ(first->resetCode, static_cast<uint32_t>(2));  // INTERNAL_ERROR
  const auto second = client.get(retry);                  // same connection: only the stream was reset
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  H2Request coded;
  coded.path = "/retry/y?uuid=h2b&succeedAfter=1&responseCode=503";
  const auto c = client.get(coded);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, 503);
}

TEST(EchoH2c, UpgradeServesTheRequestOnStreamOne) {
  EchoProcess echo({"--h2c-listen", "127.0.0.1:0"});
  const int port = startH2c(echo);
  ASSERT_GT(port, 0);
  Connection conn(port);
  const std::string settings = H2Client::settingsPayload();
  ASSERT_TRUE(
      conn.send("GET /up?x=1 HTTP/1.1\r\nHost: up.example.com\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                "Upgrade: h2c\r\nHTTP2-Settings: " +
                base64Url(settings) + "\r\nX-Custom: up\r\n\r\n"));
  const auto switching = conn.read();
  ASSERT_TRUE(switching);
  ASSERT_EQ(switching->status, 101);
  EXPECT_EQ(switching->header("upgrade"), "h2c");
  H2Client client(conn);
  ASSERT_TRUE(client.upgraded(settings));
  const auto first = client.wait(1);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  json j = body(first);
  EXPECT_EQ(j["path"], "/up?x=1");
  EXPECT_EQ(j["host"], "up.example.com");
  // As echo-basic (x/net/http2/h2c) reports it: the HTTP/1.1 request as read.
  EXPECT_EQ(j["proto"], "HTTP/1.1");
  EXPECT_EQ(j["headers"]["X-Custom"], json({"up"}));
  H2Request next;
  next.authority = "up.example.com";
  next.path = "/after";
  j = body(client.get(next));
  EXPECT_EQ(j["proto"], "HTTP/2.0");
  EXPECT_EQ(j["path"], "/after");
}

TEST(EchoH2c, PlainHttp1IsRefused) {
  EchoProcess echo({"--h2c-listen", "127.0.0.1:0"});
  const int port = startH2c(echo);
  ASSERT_GT(port, 0);
  Connection conn(port);
  ASSERT_TRUE(conn.send("GET /plain HTTP/1.1\r\nHost: echo.test\r\n\r\n"));
  auto r = conn.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body, "Expected h2c request");
  ASSERT_TRUE(conn.send("GET /again HTTP/1.1\r\nHost: echo.test\r\n\r\n"));  // still open
  r = conn.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  // Upgrade: h2c without HTTP2-Settings cannot upgrade; echo-basic answers it as HTTP/1.1.
  const auto served = roundTrip(port, "GET /half HTTP/1.1\r\nHost: echo.test\r\nUpgrade: h2c\r\n\r\n");
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
  EXPECT_EQ(json::parse(served->body)["proto"], "HTTP/1.1");
  // Only the served request was logged.
  const auto line = echo.readLine();
  ASSERT_TRUE(line);
  EXPECT_TRUE(line->starts_with("Echoing back request made to /half ")) << *line;
}

TEST(EchoH2c, UpgradeWithBadSettingsIsRefused) {
  EchoProcess echo({"--h2c-listen", "127.0.0.1:0"});
  const int port = startH2c(echo);
  ASSERT_GT(port, 0);
  for (const std::string settings : {"!!", "AAA"}) {  // not base64url; not whole 6-byte settings
    const auto r = roundTrip(port,
                             "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                             "Upgrade: h2c\r\nHTTP2-Settings: " +
                                 settings + "\r\n\r\n");
    ASSERT_TRUE(r) << settings;
    EXPECT_EQ(r->status, 400) << settings;
  }
}

TEST(EchoH2c, ListenersAreAnnouncedPlainThenTlsThenH2c) {
  char tmpl[] = "/tmp/portico-echo-h2-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  writeSelfSigned(dir, "echo.example.com");
  EchoProcess echo({"--h2c-listen", "127.0.0.1:0", "--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0",
                    "--tls-cert", dir + "/cert.pem", "--tls-key", dir + "/key.pem"});
  const auto ports = echo.ports(3);
  std::filesystem::remove_all(dir);
  ASSERT_EQ(ports.size(), 3u);
  const auto plain = roundTrip(ports[0], "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200);
  Connection conn(ports[2]);
  H2Client client(conn);
  EXPECT_EQ(body(client.get(H2Request()))["proto"], "HTTP/2.0");
}

class EchoH2Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/portico-echo-h2tls-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    writeSelfSigned(dir_, "echo.example.com");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(EchoH2Tls, ServesH2WhenAlpnSelectsIt) {
  EchoProcess echo({"--tls-listen", "127.0.0.1:0", "--tls-cert", dir_ + "/cert.pem", "--tls-key",
                    dir_ + "/key.pem", "--pod", "pod-tls"});
  const auto ports = echo.ports(1);
  ASSERT_EQ(ports.size(), 1u);
  Connection conn(ports[0], "abc.example.com", "", "", {"h2", "http/1.1"});
  ASSERT_TRUE(conn.ok());
  EXPECT_EQ(conn.alpnSelected(), "h2");
  H2Client client(conn);
  H2Request req;
  req.scheme = "https";
  req.authority = "abc.example.com";
  req.path = "/tls?y=2";
  const auto r = client.get(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const json j = body(r);
  EXPECT_EQ(j["proto"], "HTTP/2.0");
  EXPECT_EQ(j["host"], "abc.example.com");
  EXPECT_EQ(j["path"], "/tls?y=2");
  EXPECT_EQ(j["pod"], "pod-tls");
  ASSERT_TRUE(j.contains("tls")) << j.dump();
  EXPECT_EQ(j["tls"]["negotiatedProtocol"], "h2");
  EXPECT_EQ(j["tls"]["serverName"], "abc.example.com");
  EXPECT_TRUE(j["tls"]["cipherSuite"].get<std::string>().starts_with("TLS_"));
}

TEST_F(EchoH2Tls, Http11WhenTheClientOffersOnlyIt) {
  EchoProcess echo(
      {"--tls-listen", "127.0.0.1:0", "--tls-cert", dir_ + "/cert.pem", "--tls-key", dir_ + "/key.pem"});
  const auto ports = echo.ports(1);
  ASSERT_EQ(ports.size(), 1u);
  Connection conn(ports[0], "abc.example.com", "", "", {"http/1.1"});
  ASSERT_TRUE(conn.ok());
  EXPECT_EQ(conn.alpnSelected(), "http/1.1");
  ASSERT_TRUE(conn.send("GET /one HTTP/1.1\r\nHost: abc.example.com\r\n\r\n"));
  const auto r = conn.read();
  ASSERT_TRUE(r);
  const json j = json::parse(r->body);
  EXPECT_EQ(j["proto"], "HTTP/1.1");
  EXPECT_EQ(j["tls"]["negotiatedProtocol"], "http/1.1");
}

}  // namespace
}  // namespace portico::echotest
