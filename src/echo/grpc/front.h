// The sockets of portico-grpc-echo. Connections are accepted here and
// handed to the gRPC server as file descriptors: plaintext ones as they
// are, TLS ones after our own handshake (ALPN h2) through a socketpair, so
// that the service reports the TLS details as portico-echo does.
#pragma once

#include <grpcpp/server.h>

#include "echo/grpc/service.h"
#include "echo/options.h"

namespace portico::echo::grpcecho {

// Binds every listener, prints "listening on ADDR:PORT" for each (plain
// ones first, then TLS ones), serves until SIGTERM or SIGINT. Returns the
// process exit code.
int runFront(const Options& opts, grpc::Server& server, TlsRegistry& tls);

}  // namespace portico::echo::grpcecho
