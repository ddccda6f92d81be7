// Downstream HTTP/2 (internal to the data plane): a connection the
// HTTP/1.1 session handed over, after ALPN chose "h2" on a TLS listener
// or the client preface arrived on a plain one (h2c with prior
// knowledge). Each stream is routed like an HTTP/1.1 request and proxied
// to the upstream over HTTP/1.1 (h2_stream.cc).
#pragma once

#include <string>

#include "dataplane/asio.h"
#include "dataplane/worker.h"

namespace portico::dataplane {

// h2c: `initial` holds the bytes already read (the preface and whatever
// followed it).
awaitable<void> serveH2(Worker& worker, tcp::socket socket, std::string bindKey, std::string peer,
                        std::string initial);

// h2 over TLS after the handshake; `sniListener` is the listener the
// handshake chose, in the runtime `pin` keeps alive.
awaitable<void> serveH2(Worker& worker, asio::ssl::stream<tcp::socket> stream, std::string bindKey,
                        std::string peer, const ir::Listener* sniListener, RuntimePtr pin);

}  // namespace portico::dataplane
