// Opening a stream to an HTTP/2 backend, for HTTP/2 streams
// (h2_stream_h2.cc) and HTTP/1.1 sessions (session_h2.cc) alike: the
// cluster's balancer picks the endpoint, a connect failure moves on to the
// next one (three endpoints at most per request), and the endpoint is
// counted in flight while the stream is open.
#pragma once

#include <memory>

#include "dataplane/h2_client.h"
#include "dataplane/load_balancer.h"
#include "ir/ir.h"

namespace portico::dataplane {

class Worker;

// Whether a cluster is reached over HTTP/2: every GRPCRoute backend (gRPC
// is HTTP/2 only) and Service ports declaring it (GEP-1911
// kubernetes.io/h2c; "grpc" and "http2" as some charts write them).
bool upstreamSpeaksH2(const ir::Route& route, const ir::Cluster& cluster);

// Whether `status` is one the route retries on (HTTPRoute retry.codes).
bool retryableStatus(const ir::Route& route, int status);

struct H2UpstreamStream {
  std::shared_ptr<H2ClientConnection> conn;
  std::shared_ptr<H2ClientStream> stream;
  EndpointBalancer::InFlight inFlight;
  explicit operator bool() const { return stream != nullptr; }
};

class H2EndpointPicker {
 public:
  H2EndpointPicker(Worker& w, const ir::Cluster& cluster);
  // A stream carrying `fields` (the request ends with them when
  // `endStream`); empty once no endpoint is left to try. Opening again
  // after a success (a refused stream sent again) stays on the endpoint.
  awaitable<H2UpstreamStream> open(const FieldList& fields, bool endStream);

 private:
  Worker& w_;
  const ir::Cluster& cluster_;
  size_t first_ = 0;
  size_t tries_ = 0;
};

}  // namespace portico::dataplane
