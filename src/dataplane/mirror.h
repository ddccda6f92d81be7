// Request mirroring (spec §12.10, RequestMirror): a copy of the request to
// one endpoint of each mirror Service, sampled by percent or fraction;
// fire and forget (the mirror's response and failures never reach the
// client). Shared by HTTP/1.1 sessions and HTTP/2 streams; a mirror whose
// Service speaks HTTP/2 (GRPCRoute, appProtocol kubernetes.io/h2c) gets an
// HTTP/2 stream, any other an HTTP/1.1 request.
#pragma once

#include <memory>
#include <string>

#include "ir/ir.h"

namespace portico::dataplane {

class Worker;
struct Runtime;

// Starts the route's mirrors for one request (each sampled on its own):
// `head` is the HTTP/1.1 upstream head forward.cc built (converted to
// HTTP/2 fields for HTTP/2 mirrors), `body` the whole body or null. A
// mirror Service with a BackendTLSPolicy gets TLS as any backend does
// (with `listener`'s backend client certificate, when given).
void sendMirrors(Worker& w, const Runtime& rt, const ir::Route& route, const std::string& head,
                 std::shared_ptr<const std::string> body, bool grpc, const ir::Listener* listener = nullptr);

}  // namespace portico::dataplane
