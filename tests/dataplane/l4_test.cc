// TCPRoute and UDPRoute end to end: a real dataplane::Server on
// 127.0.0.1, in-test backends that answer with their name (l4_backends.h).
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "dataplane/e2e_support.h"
#include "dataplane/l4_backends.h"
#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;
using e2e::Client;
using e2e::eventually;
using namespace l4;

// The first line a TCP backend sends ("<name>"), or "" when the
// connection closes or nothing comes within the client's timeout.
std::string firstLine(Client& c) {
  std::string line;
  char ch;
  while (c.readSome(&ch, 1) == 1) {
    if (ch == '\n') return line;
    line += ch;
  }
  return "";
}

// Reads exactly `n` bytes (bounded by the client's timeout).
std::string readN(Client& c, size_t n) {
  std::string out;
  char buf[4096];
  while (out.size() < n) {
    long r = c.readSome(buf, std::min(sizeof buf, n - out.size()));
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

class L4Test : public ProxyTest {};

TEST_F(L4Test, TcpRouteSplitsByWeightAndNeverPicksZero) {
  TcpNameServer s1("s1"), s2("s2"), s0("s0");
  const int port = freePort();
  auto binds = serve(gatewayWith("  - {name: tcp, port: " + std::to_string(port) + ", protocol: TCP}\n") +
                     l4Service("s1", s1.port()) + l4Service("s2", s2.port()) + l4Service("s0", s0.port()) +
                     l4Route("TCPRoute", "r", "tcp", "",
                             "[{name: s1, port: 80, weight: 3}, {name: s2, port: 80, weight: 1}, "
                             "{name: s0, port: 80, weight: 0}]"));
  ASSERT_EQ(binds.size(), 1u);
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  std::map<std::string, int> seen;
  const int n = 160;
  for (int i = 0; i < n; ++i) {
    Client c(port, 5s);
    ASSERT_TRUE(c.ok());
    ++seen[firstLine(c)];
  }
  EXPECT_EQ(seen["s0"], 0);
  EXPECT_EQ(seen[""], 0);
  EXPECT_EQ(seen["s1"] + seen["s2"], n);
  const double share = static_cast<double>(seen["s1"]) / n;  // 0.75 expected; ±0.15 is > 4 sigma
  EXPECT_GT(share, 0.60);
  EXPECT_LT(share, 0.90);
  // Bytes flow both ways, and the client's end of stream reaches the
  // backend, whose own end comes back (half-close).
  Client c(port, 5s);
  ASSERT_FALSE(firstLine(c).empty());
  const std::string payload(100000, 'x');
  ASSERT_TRUE(c.send(payload));
  EXPECT_EQ(readN(c, payload.size()), payload);
  ::shutdown(c.fd(), SHUT_WR);
  EXPECT_TRUE(c.closedWithin(5s));
  EXPECT_GE(server->stats().l4ConnectionsAccepted, static_cast<uint64_t>(n + 1));
  EXPECT_GE(server->stats().l4BytesIn, payload.size());
  // Counted once written: the client may read them a moment before.
  EXPECT_TRUE(eventually([&] { return server->stats().l4BytesOut >= payload.size(); }));
}

TEST_F(L4Test, TcpConnectFailureMovesToAnotherEndpoint) {
  TcpNameServer live("live");
  const int dead = freePort();  // nothing listens there
  const int port = freePort();
  serve(gatewayWith("  - {name: tcp, port: " + std::to_string(port) + ", protocol: TCP}\n") +
        e2e::multiPortServiceYaml("pair", {dead, live.port()}) +
        l4Route("TCPRoute", "r", "tcp", "", "[{name: pair, port: 80}]"));
  for (int i = 0; i < 6; ++i) {
    Client c(port, 5s);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(firstLine(c), "live") << i;
  }
  // Round robin starts some connections on the dead endpoint.
  EXPECT_GT(server->stats().l4ConnectErrors, 0u);
  EXPECT_EQ(live.accepts(), 6);
}

TEST_F(L4Test, InvalidBackendOrNoEndpointsClosesTheConnection) {
  const int p1 = freePort(), p2 = freePort();
  serve(
      gatewayWith("  - {name: missing, port: " + std::to_string(p1) +
                  ", protocol: TCP}\n  - {name: empty, port: " + std::to_string(p2) + ", protocol: TCP}\n") +
      l4Service("none", 0) + l4Route("TCPRoute", "a", "missing", "", "[{name: no-such-service, port: 80}]") +
      l4Route("TCPRoute", "b", "empty", "", "[{name: none, port: 80}]"));
  for (int p : {p1, p2}) {
    Client c(p, 5s);
    ASSERT_TRUE(c.ok()) << p;
    EXPECT_TRUE(c.closedWithin(5s)) << p;
  }
  EXPECT_GE(server->stats().l4Refused, 1u);
}

TEST_F(L4Test, ReloadKeepsASplicedConnection) {
  TcpNameServer s1("s1"), s2("s2");
  const int port = freePort();
  const std::string gw = gatewayWith("  - {name: tcp, port: " + std::to_string(port) + ", protocol: TCP}\n");
  const std::string services = l4Service("s1", s1.port()) + l4Service("s2", s2.port());
  serve(gw + services + l4Route("TCPRoute", "r", "tcp", "", "[{name: s1, port: 80}]"));
  Client old(port, 5s);
  ASSERT_EQ(firstLine(old), "s1");
  // Same port, another backend: the old connection keeps its backend.
  serve(gw + services + l4Route("TCPRoute", "r", "tcp", "", "[{name: s2, port: 80}]"));
  ASSERT_TRUE(old.send("still here"));
  EXPECT_EQ(readN(old, 10), "still here");
  Client fresh(port, 5s);
  EXPECT_EQ(firstLine(fresh), "s2");
  // The listener removed: its socket closes, its connections do not.
  const int other = freePort();
  serve(gatewayWith("  - {name: tcp2, port: " + std::to_string(other) + ", protocol: TCP}\n") + services +
        l4Route("TCPRoute", "r", "tcp2", "", "[{name: s2, port: 80}]"));
  EXPECT_TRUE(e2e::connectRefused(port));
  ASSERT_TRUE(old.send("and now"));
  EXPECT_EQ(readN(old, 7), "and now");
  EXPECT_EQ(server->stats().l4ActiveConnections, 2u);
}

TEST_F(L4Test, DrainLetsASpliceRunUntilTheDeadline) {
  TcpNameServer s1("s1");
  const int port = freePort();
  serve(gatewayWith("  - {name: tcp, port: " + std::to_string(port) + ", protocol: TCP}\n") +
        l4Service("s1", s1.port()) + l4Route("TCPRoute", "r", "tcp", "", "[{name: s1, port: 80}]"));
  Client c(port, 5s);
  ASSERT_EQ(firstLine(c), "s1");
  std::thread stopper([&] { server->stop(1500ms); });
  // The socket closes at once; the spliced connection keeps working.
  EXPECT_TRUE(eventually([&] { return e2e::connectRefused(port); }));
  ASSERT_TRUE(c.send("during drain"));
  EXPECT_EQ(readN(c, 12), "during drain");
  stopper.join();  // the drain deadline passed with the connection open
  server.reset();  // teardown closes it
  EXPECT_TRUE(c.closedWithin(5s));
}

TEST_F(L4Test, UdpRouteSessionsPerClientByWeight) {
  UdpNameServer u1("u1"), u2("u2"), u0("u0");
  const int port = freePort();
  auto binds = serve(gatewayWith("  - {name: udp, port: " + std::to_string(port) + ", protocol: UDP}\n") +
                     l4Service("u1", u1.port(), true) + l4Service("u2", u2.port(), true) +
                     l4Service("u0", u0.port(), true) +
                     l4Route("UDPRoute", "r", "udp", "",
                             "[{name: u1, port: 80, weight: 3}, {name: u2, port: 80, weight: 1}, "
                             "{name: u0, port: 80, weight: 0}]"));
  ASSERT_EQ(binds.size(), 1u);
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  EXPECT_TRUE(binds[0].udp);
  std::vector<std::unique_ptr<UdpClient>> clients;
  std::map<std::string, int> seen;
  const int n = 120;
  for (int i = 0; i < n; ++i) {
    clients.push_back(std::make_unique<UdpClient>(port));
    const std::string reply = clients.back()->ask("hi");
    ASSERT_FALSE(reply.empty()) << i;
    ++seen[reply.substr(0, reply.find(':'))];
    // A session keeps its backend.
    EXPECT_EQ(clients.back()->ask("again"), reply.substr(0, reply.find(':')) + ":again");
  }
  EXPECT_EQ(seen["u0"], 0);
  const double share = static_cast<double>(seen["u1"]) / n;
  EXPECT_GT(share, 0.60);
  EXPECT_LT(share, 0.90);
  EXPECT_EQ(server->stats().udpSessionsActive, static_cast<uint64_t>(n));
  EXPECT_EQ(server->stats().udpDatagramsIn, static_cast<uint64_t>(2 * n));
  // Counted once sent: the client may read the last one a moment before.
  EXPECT_TRUE(eventually([&] { return server->stats().udpDatagramsOut == static_cast<uint64_t>(2 * n); }));
}

TEST_F(L4Test, UdpSessionsExpireWhenIdle) {
  UdpNameServer u1("u1");
  const int port = freePort();
  dataplane::ServerOptions opts;
  opts.udpSessionIdleTimeout = 200ms;
  serve(gatewayWith("  - {name: udp, port: " + std::to_string(port) + ", protocol: UDP}\n") +
            l4Service("u1", u1.port(), true) + l4Route("UDPRoute", "r", "udp", "", "[{name: u1, port: 80}]"),
        opts);
  UdpClient a(port), b(port);
  EXPECT_EQ(a.ask("1"), "u1:1");
  EXPECT_EQ(b.ask("2"), "u1:2");
  EXPECT_EQ(server->stats().udpSessionsActive, 2u);
  // Both go quiet: the sweep ends their sessions.
  EXPECT_TRUE(eventually([&] { return server->stats().udpSessionsActive == 0; }, 5s));
  // The next datagram opens a new session.
  EXPECT_EQ(a.ask("3"), "u1:3");
  EXPECT_EQ(server->stats().udpSessionsActive, 1u);
}

}  // namespace
}  // namespace portico::testing
