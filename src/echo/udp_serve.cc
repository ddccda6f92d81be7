// Datagram modes: the UDP echo of echo-basic (conformance/echo-basic/
// udpechoserver), which the suite's udp.ExpectEchoResponseFromBackend and
// weighted UDPRoute checks talk to, and the DNS responder standing in for
// the coredns Deployment of the UDPRoute test.
#include <array>
#include <iostream>
#include <nlohmann/json.hpp>

#include "echo/dns.h"
#include "echo/l4_serve.h"
#include "echo/listen.h"
#include "echo/log.h"

namespace portico::echo {

bool bindUdp(asio::io_context& ioc, const std::vector<Endpoint>& endpoints, std::vector<udp::socket>& out,
             std::string_view program) {
  for (const Endpoint& e : endpoints) {
    asio::ip::address address;
    if (!parseAddress(e, address, program)) return false;
    boost::system::error_code ec;
    udp::socket& socket = out.emplace_back(ioc);
    openAndBind(socket, udp::endpoint(address, e.port), ec);
    if (ec) {
      std::cerr << program << ": cannot listen on udp " << formatEndpoint(e.host, e.port) << ": "
                << ec.message() << std::endl;
      return false;
    }
  }
  return true;
}

void announceUdp(const udp::socket& socket) {
  const auto ep = socket.local_endpoint();
  logLine("listening on udp " + formatEndpoint(ep.address().to_string(), ep.port()));
}

std::string udpEchoJson(std::string_view request, const Identity& identity) {
  // Field order of udpechoserver.EchoResponse; Go marshals invalid UTF-8
  // as U+FFFD, as the replace handler does.
  nlohmann::ordered_json j;
  j["request"] = std::string(request);
  j["namespace"] = identity.namespace_;
  j["ingress"] = identity.ingress;
  j["service"] = identity.service;
  j["pod"] = identity.pod;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

asio::awaitable<void> udpEchoLoop(udp::socket& socket, const Identity& identity) {
  // Upstream reads into a 1024-byte buffer: longer datagrams are truncated.
  std::array<char, 1024> buf;
  for (;;) {
    udp::endpoint from;
    auto [ec, n] = co_await socket.async_receive_from(asio::buffer(buf), from, kTuple);
    if (ec == asio::error::operation_aborted || !socket.is_open()) co_return;
    if (ec) continue;  // e.g. ICMP port unreachable from an earlier reply
    const std::string reply = udpEchoJson(std::string_view(buf.data(), n), identity);
    co_await socket.async_send_to(asio::buffer(reply), from, kTuple);
  }
}

asio::awaitable<void> dnsLoop(udp::socket& socket) {
  std::array<char, 4096> buf;  // EDNS-sized queries fit
  for (;;) {
    udp::endpoint from;
    auto [ec, n] = co_await socket.async_receive_from(asio::buffer(buf), from, kTuple);
    if (ec == asio::error::operation_aborted || !socket.is_open()) co_return;
    if (ec) continue;
    std::array<uint8_t, 4> client{};
    if (from.address().is_v4()) client = from.address().to_v4().to_bytes();
    // The Corefile's zone served by whoami (base/manifests.yaml, coredns).
    const std::string reply = dns::respond(std::string_view(buf.data(), n), "foo.bar.com.", client);
    if (!reply.empty()) co_await socket.async_send_to(asio::buffer(reply), from, kTuple);
  }
}

}  // namespace portico::echo
