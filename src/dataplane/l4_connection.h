// A connection accepted on a TLS or TCP listener's socket (TLSRoute,
// TCPRoute), as a coroutine. Internal to the data plane.
#pragma once

#include <string>

#include "dataplane/asio.h"
#include "dataplane/worker.h"

namespace portico::dataplane {

// Serves `socket` of the bind `bindKey` (BindKind::Sni or Tcp): picks the
// route and backend, connects, and relays bytes until both sides end. On
// an Sni bind whose ClientHello names an HTTPS listener, the untouched
// connection goes to serveConnection (session.cc).
awaitable<void> serveL4(Worker& worker, tcp::socket socket, std::string bindKey);

}  // namespace portico::dataplane
