// One downstream HTTP/1.1 connection (plain or TLS), as a coroutine.
// Internal to the data plane.
#pragma once

#include <memory>
#include <string>

#include "dataplane/asio.h"
#include "dataplane/worker.h"

namespace portico::dataplane {

// Serves requests on `socket` until the client closes, an error, or
// drain. `tlsBind` is set on HTTPS binds: the handshake happens first.
awaitable<void> serveConnection(Worker& worker, tcp::socket socket, std::string bindKey);

}  // namespace portico::dataplane
