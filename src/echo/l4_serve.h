// portico-echo's non-HTTP modes, the other faces of echo-basic the
// conformance manifests deploy: the TCP echo (tcpserver, TCP_ECHO_SERVER),
// the UDP echo (udpechoserver, UDP_ECHO_SERVER) and a DNS responder in place
// of the coredns Deployment (UDPRoute). Included only by the server's own
// sources (it brings Asio).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "echo/asio.h"
#include "echo/handler.h"
#include "echo/options.h"

namespace portico::echo {

using udp = asio::ip::udp;

// What every TCP echo connection reports (tcpserver's Context).
struct TcpEcho {
  Identity identity;
  std::string tcpPort;  // "tcpport": the first --tcp-listen port
  std::string tlsPort;  // "tlsport": the first --tcp-tls-listen port, "" when none (omitted)
  asio::ssl::context* tls = nullptr;
};

// Accepts until the acceptor closes. Each connection gets the welcome line
// "Gateway API Test TCP Server\n" (after the TLS handshake with `tls`),
// then answers the newline-terminated commands PING (PONG), IS_TLS
// (true/false) and TEST (one JSON line); other lines are ignored.
asio::awaitable<void> tcpEchoAccept(tcp::acceptor& acceptor, const TcpEcho& echo, bool tls);

// The TEST line's JSON (tcpserver.TCPAssertions, without the newline).
std::string tcpTestJson(const TcpEcho& echo, const TlsInfo* tls, const std::string& curve);

// Binds a UDP socket per endpoint (IPv6 ones v6-only). On failure, says why
// on stderr (prefixed with `program`) and returns false.
bool bindUdp(asio::io_context& ioc, const std::vector<Endpoint>& endpoints, std::vector<udp::socket>& out,
             std::string_view program);

// Prints "listening on udp ADDR:PORT".
void announceUdp(const udp::socket& socket);

// udpechoserver: every datagram (read into 1024 bytes, as upstream) is
// answered with {"request", "namespace", "ingress", "service", "pod"}.
asio::awaitable<void> udpEchoLoop(udp::socket& socket, const Identity& identity);
std::string udpEchoJson(std::string_view request, const Identity& identity);

// DNS over UDP (dns.h): the coredns of the base manifests, zone foo.bar.com.
asio::awaitable<void> dnsLoop(udp::socket& socket);

}  // namespace portico::echo
