// portico-echo's TCP echo, UDP echo and DNS modes end to end: the binary
// runs as a child process and the tests speak the wire protocols the
// conformance suite's clients speak (conformance/utils/tcp, utils/udp,
// miekg/dns) to it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "echo/dns.h"
#include "echo/echo_harness.h"

namespace portico::echotest {
namespace {

using nlohmann::json;

// One reply line: the server answers one command at a time, so reading
// until a newline never swallows the next reply.
std::string readLine(Connection& c) {
  std::string line;
  char ch;
  while (c.readSome(&ch, 1) == 1) {
    line.push_back(ch);
    if (ch == '\n') break;
  }
  return line;
}

std::string ask(Connection& c, const std::string& command) {
  if (!c.send(command)) return "<send failed>";
  return readLine(c);
}

// One datagram to 127.0.0.1:port, one reply within 5 s ("" when none).
std::string udpAsk(int port, const std::string& payload) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::send(fd, payload.data(), payload.size(), 0) == static_cast<ssize_t>(payload.size())) {
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) out.assign(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

const std::vector<std::string> kIdentity = {"--pod",       "tcp-backend-abc12-xyz34",
                                            "--namespace", "gateway-conformance-infra",
                                            "--service",   "tcp-backend"};

std::vector<std::string> with(std::vector<std::string> args) {
  args.insert(args.end(), kIdentity.begin(), kIdentity.end());
  return args;
}

TEST(TcpEcho, WelcomePingIsTlsAndTest) {
  EchoProcess echo(with({"--tcp-listen", "127.0.0.1:0"}));
  const auto ports = echo.ports(1);
  ASSERT_EQ(ports.size(), 1u);
  Connection c(ports[0]);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(readLine(c), "Gateway API Test TCP Server\n");
  EXPECT_EQ(ask(c, "PING\n"), "PONG\n");
  EXPECT_EQ(ask(c, "IS_TLS\r\n"), "false\n");          // bufio.ScanLines drops the CR
  const std::string test = ask(c, "unknown\nTEST\n");  // unknown lines get no answer
  ASSERT_TRUE(test.ends_with("\n")) << test;
  const json j = json::parse(test);
  EXPECT_EQ(j["namespace"], "gateway-conformance-infra");
  EXPECT_EQ(j["service"], "tcp-backend");
  EXPECT_EQ(j["ingress"], "");
  EXPECT_EQ(j["pod"], "tcp-backend-abc12-xyz34");
  EXPECT_EQ(j["tcpport"], std::to_string(ports[0]));
  EXPECT_FALSE(j.contains("tlsport"));  // no TLS listener: omitted
  EXPECT_EQ(j["isTLS"], false);
  EXPECT_FALSE(j.contains("tls"));
}

class TcpEchoTls : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/portico-echo-l4-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    writeSelfSigned(dir_, "abc.example.com");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(TcpEchoTls, ReportsSniAndTlsOnTheTlsPortOnly) {
  EchoProcess echo(with({"--tcp-listen", "127.0.0.1:0", "--tcp-tls-listen", "127.0.0.1:0", "--tls-cert",
                         dir_ + "/cert.pem", "--tls-key", dir_ + "/key.pem"}));
  const auto ports = echo.ports(2);  // plain first, then TLS
  ASSERT_EQ(ports.size(), 2u);
  Connection secure(ports[1], "abc.example.com", "", "", {"h2", "http/1.1"});
  ASSERT_TRUE(secure.ok());
  EXPECT_EQ(secure.alpnSelected(), "");  // tcpserver sets no NextProtos
  EXPECT_EQ(readLine(secure), "Gateway API Test TCP Server\n");
  EXPECT_EQ(ask(secure, "IS_TLS\n"), "true\n");
  const json j = json::parse(ask(secure, "TEST\n"));
  EXPECT_EQ(j["isTLS"], true);
  EXPECT_EQ(j["tcpport"], std::to_string(ports[0]));
  EXPECT_EQ(j["tlsport"], std::to_string(ports[1]));
  ASSERT_TRUE(j.contains("tls")) << j.dump();
  EXPECT_EQ(j["tls"]["serverName"], "abc.example.com");
  EXPECT_TRUE(j["tls"]["version"] == "TLS 1.3" || j["tls"]["version"] == "TLS 1.2") << j.dump();
  EXPECT_TRUE(j["tls"]["cipherSuite"].get<std::string>().starts_with("TLS_")) << j.dump();
  EXPECT_FALSE(j["tls"].contains("negotiatedProtocol"));

  Connection plain(ports[0]);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(readLine(plain), "Gateway API Test TCP Server\n");
  EXPECT_EQ(ask(plain, "IS_TLS\n"), "false\n");
}

TEST_F(TcpEchoTls, TlsListenerWithoutCertificateIsRefused) {
  EchoProcess echo({"--tcp-tls-listen", "127.0.0.1:0"});
  EXPECT_FALSE(echo.readLine(5s));
  EXPECT_EQ(echo.stop(0), 2);
}

TEST(UdpEcho, AnswersEachDatagramWithTheEchoJson) {
  EchoProcess echo(with({"--udp-listen", "127.0.0.1:0"}));
  const auto ports = echo.ports(1);
  ASSERT_EQ(ports.size(), 1u);
  const std::string reply = udpAsk(ports[0], "gateway-api-conformance-udp-echo");
  ASSERT_FALSE(reply.empty());
  const json j = json::parse(reply);
  EXPECT_EQ(j["request"], "gateway-api-conformance-udp-echo");
  EXPECT_EQ(j["service"], "tcp-backend");
  EXPECT_EQ(j["namespace"], "gateway-conformance-infra");
  EXPECT_EQ(j["pod"], "tcp-backend-abc12-xyz34");
  EXPECT_EQ(j["ingress"], "");
  // Upstream reads into 1024 bytes: longer datagrams are cut there.
  const json big = json::parse(udpAsk(ports[0], std::string(2000, 'x')));
  EXPECT_EQ(big["request"].get<std::string>().size(), 1024u);
}

TEST(Dns, AnswersAnAQueryForTheZoneWithTheClientAddress) {
  EchoProcess echo({"--dns-listen", "127.0.0.1:0"});
  const auto ports = echo.ports(1);
  ASSERT_EQ(ports.size(), 1u);
  echo::dns::Message query;
  query.id = 0x4242;
  query.flags = 0x0100;  // RD
  query.questions.push_back({"foo.bar.com.", echo::dns::kTypeA, echo::dns::kClassIn});
  const auto reply = echo::dns::parse(udpAsk(ports[0], *echo::dns::serialize(query)));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->id, 0x4242);
  EXPECT_TRUE(reply->isResponse());
  EXPECT_EQ(reply->rcode(), echo::dns::Rcode::kNoError);
  ASSERT_EQ(reply->answers.size(), 1u);
  EXPECT_EQ(reply->answers[0].rdata, std::string("\x7f\x00\x00\x01", 4));
  query.questions[0].name = "example.org.";  // outside the zone
  const auto refused = echo::dns::parse(udpAsk(ports[0], *echo::dns::serialize(query)));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->rcode(), echo::dns::Rcode::kRefused);
}

}  // namespace
}  // namespace portico::echotest
