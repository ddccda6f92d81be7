#include "echo/listen.h"

#include <iostream>

#include "echo/log.h"

namespace portico::echo {

bool parseAddress(const Endpoint& e, asio::ip::address& out, std::string_view program) {
  boost::system::error_code ec;
  out = asio::ip::make_address(e.host, ec);
  if (!ec) return true;
  std::cerr << program << ": not an IP address: " << e.host << std::endl;
  return false;
}

bool bindAll(asio::io_context& ioc, const std::vector<Endpoint>& endpoints, std::vector<tcp::acceptor>& out,
             std::string_view program) {
  for (const Endpoint& e : endpoints) {
    asio::ip::address address;
    if (!parseAddress(e, address, program)) return false;
    boost::system::error_code ec;
    tcp::acceptor& acceptor = out.emplace_back(ioc);
    openAndBind(acceptor, tcp::endpoint(address, e.port), ec);
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
