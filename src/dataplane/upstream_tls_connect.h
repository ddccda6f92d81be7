// Opening a new upstream connection for one cluster with the worker's
// accounting: TCP connect failures as connect errors, TLS failures by
// reason, completed TLS handshakes (docs/backend-tls.md). For every path
// that connects to a backend (HTTP/1.1 sessions and HTTP/2 streams, the
// HTTP/2 endpoint picker, mirrors).
#pragma once

#include <memory>
#include <string>

#include "dataplane/worker.h"

namespace portico::dataplane {

// What a connection to an endpoint of `cluster` must be for a request of
// `listener` (its backend client certificate) in the pinned runtime `rt`
// (null: the worker's current one).
UpstreamTarget upstreamTargetFor(Worker& w, const Runtime* rt, const ir::Cluster& cluster,
                                 const ir::Listener* listener, bool h2);

// A new HTTP/1.1 connection to `ep`. On failure the worker counts it and
// `failure` says why for the access log ("tls:<reason>"; empty for a TCP
// connect failure); on success `failure` is cleared.
awaitable<std::unique_ptr<UpstreamConnection>> openUpstream(Worker& w, const ir::Cluster& cluster,
                                                            const ir::Endpoint& ep,
                                                            const UpstreamTarget& target,
                                                            std::string& failure);

// The same for HTTP/2: a connection of the worker's h2 pool with room for
// a stream (an existing one, or a new one).
awaitable<std::shared_ptr<H2ClientConnection>> acquireUpstreamH2(Worker& w, const ir::Cluster& cluster,
                                                                 const ir::Endpoint& ep,
                                                                 const UpstreamTarget& target,
                                                                 std::string& failure);

// portico_backend_tls_errors_total{backend,reason}.
void countTlsError(Worker& w, const std::string& cluster, const std::string& reason);

}  // namespace portico::dataplane
