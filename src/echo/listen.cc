#include "echo/listen.h"

#include <iostream>

#include "echo/log.h"

namespace portico::echo {

bool bindAll(asio::io_context& ioc, const std::vector<Endpoint>& endpoints, std::vector<tcp::acceptor>& out,
             std::string_view program) {
  for (const Endpoint& e : endpoints) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(e.host, ec);
    if (ec) {
      std::cerr << program << ": not an IP address: " << e.host << std::endl;
      return false;
    }
    const tcp::endpoint endpoint(address, e.port);
    tcp::acceptor& acceptor = out.emplace_back(ioc);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && address.is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      std::cerr << program << ": cannot listen on " << formatEndpoint(e.host, e.port) << ": " << ec.message()
                << std::endl;
      return false;
    }
  }
  return true;
}

void announce(const tcp::acceptor& acceptor) {
  const auto ep = acceptor.local_endpoint();
  logLine("listening on " + formatEndpoint(ep.address().to_string(), ep.port()));
}

}  // namespace portico::echo
