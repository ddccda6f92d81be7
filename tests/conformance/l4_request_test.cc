// The runner's TCP, TLS, UDP and DNS clients against portico-echo's
// matching modes directly (no Portico in between), so each client and each
// comparison is known to pass on a right answer and fail on a wrong one
// before a data plane carries the traffic.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "conformance/child_process.h"
#include "conformance/dns_request.h"
#include "conformance/tcp_request.h"
#include "conformance/udp_request.h"
#include "support/test_support.h"

namespace portico::conformance {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class L4Clients : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/portico-l4-clients-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ca_ = testing::makeCa("gatewayapi");
    testing::CertSpec spec;
    spec.dnsNames = {"abc.example.com"};
    const testing::KeyPair leaf = testing::makeCert(spec, &ca_);
    std::ofstream(dir_ + "/crt") << leaf.certPem;
    std::ofstream(dir_ + "/key") << leaf.keyPem;
    echo_ = std::make_unique<ChildProcess>(std::vector<std::string>{PORTICO_ECHO_BIN,
                                                                    "--die-with-parent",
                                                                    "--tcp-listen",
                                                                    "127.0.0.1:0",
                                                                    "--tcp-tls-listen",
                                                                    "127.0.0.1:0",
                                                                    "--udp-listen",
                                                                    "127.0.0.1:0",
                                                                    "--dns-listen",
                                                                    "127.0.0.1:0",
                                                                    "--tls-cert",
                                                                    dir_ + "/crt",
                                                                    "--tls-key",
                                                                    dir_ + "/key",
                                                                    "--pod",
                                                                    "tcp-backend-7d9f8c6b5-x2k4q",
                                                                    "--namespace",
                                                                    "gateway-conformance-infra",
                                                                    "--service",
                                                                    "udp-echo-by-port"},
                                           dir_ + "/echo.log");
    // The four listeners, in flag order; all are bound before the first line.
    ASSERT_TRUE(echo_->waitForLine("listening on udp", 20s)) << echo_->log();
    std::istringstream log(echo_->log());
    for (std::string line; std::getline(log, line);) {
      if (line.starts_with("listening on ")) ports_.push_back(std::stoi(line.substr(line.rfind(':') + 1)));
    }
    ASSERT_EQ(ports_.size(), 4u) << echo_->log();
  }
  void TearDown() override {
    echo_.reset();
    std::filesystem::remove_all(dir_);
  }
  int tcpPort() const { return ports_[0]; }
  int tlsPort() const { return ports_[1]; }
  int udpPort() const { return ports_[2]; }
  int dnsPort() const { return ports_[3]; }

  std::string dir_;
  testing::KeyPair ca_;
  std::unique_ptr<ChildProcess> echo_;
  std::vector<int> ports_;
};

const json kPlain = {{"backend", "tcp-backend"},
                     {"namespace", "gateway-conformance-infra"},
                     {"tcpEcho", {{"backendIsTLS", false}}}};

TEST_F(L4Clients, TcpEchoExchangeMatchesAndEachExpectationCanFail) {
  const TcpEchoResult r = tcpEchoExchange("127.0.0.1", tcpPort(), nullptr, 5s);
  ASSERT_EQ(r.transportError, "");
  EXPECT_EQ(compareTcpEcho(kPlain, r), "");
  json e = kPlain;
  e["tcpEcho"]["backendIsTLS"] = true;
  EXPECT_NE(compareTcpEcho(e, r), "");
  e = kPlain;
  e["namespace"] = "gateway-conformance-web-backend";
  EXPECT_NE(compareTcpEcho(e, r), "");
  e = kPlain;
  e["backend"] = "tcp-backend-v2";  // a prefix of the pod, but not "<backend>-"
  EXPECT_NE(compareTcpEcho(e, r), "");
  e = kPlain;
  e["tcpEcho"]["tlsServerName"] = "abc.example.com";  // the backend saw no TLS
  EXPECT_NE(compareTcpEcho(e, r), "");
}

TEST_F(L4Clients, TcpEchoTransportErrorsAreReportedAsSuch) {
  const int closed = testing::freePort();
  const TcpEchoResult r = tcpEchoExchange("127.0.0.1", closed, nullptr, 2s);
  EXPECT_NE(r.transportError, "");
  EXPECT_NE(compareTcpEcho(kPlain, r), "");
}

TEST_F(L4Clients, TlsTcpEchoVerifiesAgainstTheCaAndChecksTheSni) {
  const StreamTls tls{"abc.example.com", ca_.certPem};
  const TcpEchoResult r = tcpEchoExchange("127.0.0.1", tlsPort(), &tls, 5s);
  ASSERT_EQ(r.transportError, "");
  json e = {{"backend", "tcp-backend"},
            {"namespace", "gateway-conformance-infra"},
            {"tcpEcho", {{"backendIsTLS", true}, {"tlsServerName", "abc.example.com"}}}};
  EXPECT_EQ(compareTcpEcho(e, r), "");
  e["tcpEcho"]["tlsServerName"] = "other.example.com";
  EXPECT_NE(compareTcpEcho(e, r), "");

  const StreamTls otherCa{"abc.example.com", testing::makeCa("unrelated").certPem};
  EXPECT_NE(tcpEchoExchange("127.0.0.1", tlsPort(), &otherCa, 5s).transportError, "");
  const StreamTls wrongName{"other.example.com", ca_.certPem};
  EXPECT_NE(tcpEchoExchange("127.0.0.1", tlsPort(), &wrongName, 5s).transportError, "");
}

TEST_F(L4Clients, EchoSendOnceReturnsThePod) {
  auto [error, pod] = tcpEchoSendOnce("127.0.0.1", tcpPort(), 5s);
  EXPECT_EQ(error, "");
  EXPECT_EQ(pod, "tcp-backend-7d9f8c6b5-x2k4q");
  EXPECT_NE(tcpEchoSendOnce("127.0.0.1", testing::freePort(), 2s).first, "");
}

// A listener that accepts one connection and closes it unread: what a
// gateway does with a ClientHello no route matches.
TEST(TlsRejection, ClosedDuringTheHandshakeCountsAsRejected) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::thread closer([fd] {
    const int c = ::accept(fd, nullptr, nullptr);
    char buf[16];
    (void)::recv(c, buf, sizeof buf, 0);  // the start of the ClientHello
    ::close(c);
  });
  const StreamTls tls{"non.matching.com", ""};
  StreamConn conn("127.0.0.1", ntohs(a.sin_port), &tls, 5s);
  closer.join();
  ::close(fd);
  EXPECT_FALSE(conn.ok());
  EXPECT_TRUE(conn.rejectedDuringHandshake()) << conn.error();
}

TEST_F(L4Clients, ACompletedHandshakeOrARefusedDialIsNotARejection) {
  const StreamTls tls{"abc.example.com", ""};
  StreamConn served("127.0.0.1", tlsPort(), &tls, 5s);
  EXPECT_TRUE(served.ok()) << served.error();
  EXPECT_FALSE(served.rejectedDuringHandshake());
  StreamConn refused("127.0.0.1", testing::freePort(), &tls, 5s);
  EXPECT_FALSE(refused.ok());
  EXPECT_FALSE(refused.rejectedDuringHandshake());
}

TEST_F(L4Clients, UdpEchoComparesServiceAndNamespace) {
  const UdpReply r = udpExchange("127.0.0.1", udpPort(), "gateway-api-conformance-udp-echo", 2s);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(
      compareUdpEcho({{"udpEchoService", "udp-echo-by-port"}, {"namespace", "gateway-conformance-infra"}}, r),
      "");
  EXPECT_NE(compareUdpEcho({{"udpEchoService", "udp-echo-by-section"}, {"namespace", nullptr}}, r), "");
  EXPECT_NE(compareUdpEcho({{"udpEchoService", nullptr}, {"namespace", "other"}}, r), "");
  EXPECT_EQ(compareUdpEcho({{"udpEchoService", nullptr}, {"namespace", nullptr}}, r), "");  // any reply
  EXPECT_EQ(udpEchoPod(r).second, "tcp-backend-7d9f8c6b5-x2k4q");
}

TEST_F(L4Clients, UdpWithoutAnAnswerFailsWithinItsDeadline) {
  // The DNS port drops what is not a DNS query (too short for a header).
  const auto start = std::chrono::steady_clock::now();
  const UdpReply r = udpExchange("127.0.0.1", dnsPort(), "hi", 500ms);
  EXPECT_NE(r.error, "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_NE(compareUdpEcho({{"udpEchoService", nullptr}, {"namespace", nullptr}}, r), "");
}

TEST_F(L4Clients, DnsExchangeGetsAResponse) {
  EXPECT_EQ(dnsExchange("127.0.0.1", dnsPort(), "foo.bar.com.", "A", 2s), "");
  EXPECT_NE(dnsExchange("127.0.0.1", udpPort(), "foo.bar.com.", "A", 2s), "");  // JSON is no DNS reply
}

TEST(DnsClient, QueryLayoutAndReplyChecks) {
  const std::string q = dnsQuery(0x1234, "foo.bar.com.", 1);
  EXPECT_EQ(q, std::string("\x12\x34\x01\x00\0\1\0\0\0\0\0\0\3foo\3bar\3com\0\0\1\0\1", 29));
  std::string reply = q;
  reply[2] = '\x81';  // QR set: a response
  EXPECT_EQ(checkDnsReply(reply, 0x1234), "");
  EXPECT_NE(checkDnsReply(reply, 0x1235), "");  // another ID
  EXPECT_NE(checkDnsReply(q, 0x1234), "");      // the query itself
  EXPECT_NE(checkDnsReply(reply.substr(0, 20), 0x1234), "");
}

}  // namespace
}  // namespace portico::conformance
