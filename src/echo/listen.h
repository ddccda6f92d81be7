// Listening sockets of portico-echo and portico-grpc-echo (Asio).
#pragma once

#include <string_view>
#include <vector>

#include "echo/asio.h"
#include "echo/options.h"

namespace portico::echo {

// Opens, binds and listens on every endpoint (IPv6 ones v6-only), appending
// the acceptors to `out`. On failure, says why on stderr (prefixed with
// `program`) and returns false.
bool bindAll(asio::io_context& ioc, const std::vector<Endpoint>& endpoints, std::vector<tcp::acceptor>& out,
             std::string_view program);

// Prints "listening on ADDR:PORT" (the port the system chose for port 0).
void announce(const tcp::acceptor& acceptor);

}  // namespace portico::echo
