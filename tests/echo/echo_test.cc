// portico-echo end to end: the binary runs as a child process and the
// tests speak raw HTTP/1.1 (and TLS) to it.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "echo/echo_harness.h"

namespace portico::echotest {
namespace {

using nlohmann::json;

std::string get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: echo.test\r\n" + extra + "\r\n";
}

json body(const std::optional<Response>& r) { return r ? json::parse(r->body) : json(); }
int status(const std::optional<Response>& r) { return r ? r->status : -1; }

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Echo, DescribesTheRequestAsJson) {
  EchoProcess echo({"--listen", "127.0.0.1:0", "--namespace", "ns1", "--service", "svc", "--pod", "pod-a-1"});
  const auto ports = echo.ports(1);
  ASSERT_EQ(ports.size(), 1u);
  const auto r =
      roundTrip(ports[0], get("/foo//bar?x=1&y=%20", "x-custom: a\r\nX-CUSTOM: b\r\nx-echo-set-header:\r\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->header("x-content-type-options"), "nosniff");
  const json j = body(r);
  EXPECT_EQ(j["path"], "/foo//bar?x=1&y=%20");
  EXPECT_EQ(j["host"], "echo.test");
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["proto"], "HTTP/1.1");
  EXPECT_EQ(j["headers"]["X-Custom"], json({"a", "b"}));
  EXPECT_EQ(j["headers"]["X-Echo-Set-Header"], json({""}));
  EXPECT_FALSE(j["headers"].contains("Host"));
  EXPECT_EQ(j["namespace"], "ns1");
  EXPECT_EQ(j["service"], "svc");
  EXPECT_EQ(j["pod"], "pod-a-1");
  EXPECT_EQ(j["ingress"], "");
  EXPECT_EQ(j["httpPort"], std::to_string(ports[0]));
  EXPECT_FALSE(j.contains("tls"));
  const auto line = echo.readLine();
  ASSERT_TRUE(line);
  EXPECT_TRUE(line->starts_with("Echoing back request made to /foo//bar?x=1&y=%20 to client (127.0.0.1:"))
      << *line;
}

TEST(Echo, KeepAliveChunkedBodyAndSeveralListeners) {
  EchoProcess echo({"--listen", "127.0.0.1:0", "--listen", "127.0.0.1:0"});
  const auto ports = echo.ports(2);
  ASSERT_EQ(ports.size(), 2u);
  Connection c(ports[0]);
  ASSERT_TRUE(
      c.send("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  const auto first = c.read();
  ASSERT_TRUE(first);
  EXPECT_EQ(body(first)["method"], "POST");
  EXPECT_FALSE(body(first)["headers"].contains("Transfer-Encoding"));
  ASSERT_TRUE(c.send(get("/second")));
  EXPECT_EQ(body(c.read())["path"], "/second");
  EXPECT_EQ(body(roundTrip(ports[1], get("/")))["httpPort"], std::to_string(ports[1]));
}

TEST(Echo, SetsResponseHeadersFromTheRequestAndFlags) {
  EchoProcess echo({"--listen", "127.0.0.1:0", "--response-header", "X-Always: yes"});
  const auto ports = echo.ports(1);
  ASSERT_EQ(ports.size(), 1u);
  const auto r = roundTrip(ports[0], get("/", "X-Echo-Set-Header: X-A:1, x-b : two ,X-A:3\r\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("x-a"), "1,3");
  EXPECT_EQ(r->header("x-b"), "two");
  EXPECT_EQ(r->header("x-always"), "yes");
}

TEST(Echo, FixedStatusAndStatusHeader) {
  EchoProcess echo({"--listen", "127.0.0.1:0", "--status", "503"});
  const auto ports = echo.ports(1);
  ASSERT_EQ(ports.size(), 1u);
  const auto r = roundTrip(ports[0], get("/x"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(body(r)["path"], "/x");
  EXPECT_EQ(status(roundTrip(ports[0], get("/x", "X-Echo-Set-Status: 418\r\n"))), 418);
}

TEST(Echo, FailFirst) {
  EchoProcess echo({"--listen", "127.0.0.1:0", "--fail-first", "2"});
  const auto ports = echo.ports(1);
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_EQ(status(roundTrip(ports[0], get("/"))), 500);
  EXPECT_EQ(status(roundTrip(ports[0], get("/"))), 500);
  EXPECT_EQ(status(roundTrip(ports[0], get("/"))), 200);
}

TEST(Echo, DelayFromQueryAndHeader) {
  EchoProcess echo({"--listen", "127.0.0.1:0"});
  const auto ports = echo.ports(1);
  ASSERT_EQ(ports.size(), 1u);
  auto start = std::chrono::steady_clock::now();
  auto r = roundTrip(ports[0], get("/slow?delay=300ms"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  start = std::chrono::steady_clock::now();
  r = roundTrip(ports[0], get("/slow", "X-Echo-Delay: 0.2s\r\n"));
  ASSERT_TRUE(r);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  r = roundTrip(ports[0], get("/slow?delay=soon"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_TRUE(body(r).contains("message"));
}

TEST(Echo, RetrySimulatorHealthAndStatusPath) {
  EchoProcess echo({"--listen", "127.0.0.1:0"});
  const auto ports = echo.ports(1);
  ASSERT_EQ(ports.size(), 1u);
  const std::string coded = "/retry/a?uuid=u1&succeedAfter=2&responseCode=503";
  EXPECT_EQ(status(roundTrip(ports[0], get(coded))), 503);
  EXPECT_EQ(status(roundTrip(ports[0], get(coded))), 503);
  EXPECT_EQ(body(roundTrip(ports[0], get(coded)))["path"], coded);
  {  // without responseCode the attempt is reset
    Connection c(ports[0]);
    ASSERT_TRUE(c.send(get("/retry/b?uuid=u2&succeedAfter=1")));
    char buf[64];
    EXPECT_LE(c.readSome(buf, sizeof buf), 0);
  }
  EXPECT_EQ(status(roundTrip(ports[0], get("/retry/b?uuid=u2&succeedAfter=1"))), 200);
  EXPECT_EQ(status(roundTrip(ports[0], get("/retry/c?uuid=u3"))), 400);
  const auto health = roundTrip(ports[0], get("/health"));
  ASSERT_TRUE(health);
  EXPECT_EQ(health->body, "OK");
  EXPECT_EQ(status(roundTrip(ports[0], get("/status/404"))), 404);
}

TEST(Echo, WebSocketEchoesFrames) {
  EchoProcess echo({"--listen", "127.0.0.1:0"});
  const auto ports = echo.ports(1);
  ASSERT_EQ(ports.size(), 1u);
  Connection c(ports[0]);
  ASSERT_TRUE(c.send(get("/ws",
                         "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: ws://gateway/test\r\n")));
  const auto up = c.read();
  ASSERT_TRUE(up);
  ASSERT_EQ(up->status, 101);
  // A masked binary frame 01..07 (mask 0 keeps the payload as is).
  std::string frame = {'\x82', '\x87', 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7};
  ASSERT_TRUE(c.send(frame));
  std::string got;
  char buf[64];
  while (got.size() < 9) {
    const long n = c.readSome(buf, sizeof buf);
    ASSERT_GT(n, 0);
    got.append(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(got, std::string({'\x82', 7, 1, 2, 3, 4, 5, 6, 7}));
}

class EchoTls : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/portico-echo-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    writeSelfSigned(dir_, "echo.example.com");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(EchoTls, ReportsSniVersionAndCipher) {
  EchoProcess echo({"--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0", "--tls-cert",
                    dir_ + "/cert.pem", "--tls-key", dir_ + "/key.pem"});
  const auto ports = echo.ports(2);  // plain first, then TLS
  ASSERT_EQ(ports.size(), 2u);
  Connection c(ports[1], "abc.example.com");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send(get("/tls")));
  const json j = body(c.read());
  ASSERT_TRUE(j.contains("tls")) << j.dump();
  EXPECT_EQ(j["tls"]["serverName"], "abc.example.com");
  EXPECT_TRUE(j["tls"]["version"] == "TLSv1.3" || j["tls"]["version"] == "TLSv1.2");
  EXPECT_TRUE(j["tls"]["cipherSuite"].get<std::string>().starts_with("TLS_"));
  EXPECT_FALSE(j["tls"].contains("peerCertificates"));
  EXPECT_EQ(j["httpPort"], std::to_string(ports[1]));
}

TEST_F(EchoTls, RecordsTheClientCertificate) {
  const std::string client = dir_ + "/client";
  std::filesystem::create_directory(client);
  writeSelfSigned(client, "client.example.com");
  EchoProcess echo({"--tls-listen", "127.0.0.1:0", "--tls-cert", dir_ + "/cert.pem", "--tls-key",
                    dir_ + "/key.pem", "--tls-client-ca", client + "/cert.pem"});
  const auto ports = echo.ports(1);
  ASSERT_EQ(ports.size(), 1u);
  Connection c(ports[0], "abc.example.com", client + "/cert.pem", client + "/key.pem");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send(get("/mtls")));
  const json j = body(c.read());
  ASSERT_TRUE(j["tls"].contains("peerCertificates")) << j.dump();
  EXPECT_EQ(j["tls"]["peerCertificates"][0], readFile(client + "/cert.pem"));
  Connection anonymous(ports[0], "");  // a certificate is requested, not required
  ASSERT_TRUE(anonymous.ok());
  ASSERT_TRUE(anonymous.send(get("/anon")));
  EXPECT_EQ(body(anonymous.read())["tls"]["serverName"], "");
}

TEST(Echo, SigtermExitsZeroEvenWithOpenConnections) {
  EchoProcess echo({"--listen", "127.0.0.1:0"});
  const auto ports = echo.ports(1);
  ASSERT_EQ(ports.size(), 1u);
  Connection idle(ports[0]);
  ASSERT_TRUE(idle.ok());
  Connection slow(ports[0]);
  ASSERT_TRUE(slow.send(get("/?delay=1m")));
  EXPECT_EQ(echo.stop(SIGTERM), 0);
}

TEST(Echo, RejectsBadFlags) {
  EchoProcess echo({"--listen", "localhost"});
  EXPECT_FALSE(echo.readLine(5s));  // exits without listening
  EXPECT_EQ(echo.stop(0), 2);
}

}  // namespace
}  // namespace portico::echotest
