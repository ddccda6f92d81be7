// Listening sockets of portico-echo and portico-grpc-echo (Asio).
#pragma once

#include <string_view>
#include <vector>

#include "echo/asio.h"
#include "echo/options.h"

namespace portico::echo {

// The IP address of `e`; on failure says so on stderr (prefixed with
// `program`) and returns false.
bool parseAddress(const Endpoint& e, asio::ip::address& out, std::string_view program);

// Opens `s` (an acceptor or a datagram socket) for `ep` and binds it, with
// SO_REUSEADDR and, for IPv6, v6-only so a v4 and a v6 bind of the same
// port do not collide.
template <class Socket, class SocketEndpoint>
void openAndBind(Socket& s, const SocketEndpoint& ep, boost::system::error_code& ec) {
  s.open(ep.protocol(), ec);
  if (!ec) s.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && ep.address().is_v6()) s.set_option(asio::ip::v6_only(true), ec);
  if (!ec) s.bind(ep, ec);
}

// Opens, binds and listens on every endpoint (IPv6 ones v6-only), appending
// the acceptors to `out`. On failure, says why on stderr (prefixed with
// `program`) and returns false.
bool bindAll(asio::io_context& ioc, const std::vector<Endpoint>& endpoints, std::vector<tcp::acceptor>& out,
             std::string_view program);

// Prints "listening on ADDR:PORT" (the port the system chose for port 0).
void announce(const tcp::acceptor& acceptor);

}  // namespace portico::echo
