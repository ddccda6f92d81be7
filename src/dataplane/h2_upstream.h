// Opening a stream to an HTTP/2 backend, for HTTP/2 streams
// (h2_stream_h2.cc) and HTTP/1.1 sessions (session_h2.cc) alike: the
// cluster's balancer picks the endpoint, a connect failure moves on to the
// next one (three endpoints at most per request), and the endpoint is
// counted in flight while the stream is open.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "dataplane/endpoint_attempt.h"
#include "dataplane/h2_client.h"
#include "ir/ir.h"

namespace portico::dataplane {

class Worker;
struct Runtime;

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
  // `sp`: the request's session persistence (sessionPersistenceFor); the
  // session field for the response goes into `responseFields`.
  H2EndpointPicker(Worker& w, const ir::Cluster& cluster, const ir::SessionPersistence* sp = nullptr,
                   ExtraFields* responseFields = nullptr);
  // A stream carrying `fields` (the request ends with them when
  // `endStream`); empty once no endpoint is left to try, or at once when
  // every endpoint is ejected. Opening again after a success (a refused
  // stream sent again) stays on the endpoint.
  awaitable<H2UpstreamStream> open(const FieldList& fields, bool endStream);
  // BackendTLSPolicy (upstream_tls.h): connections for a request of
  // `listener` (its backend client certificate) in the pinned runtime
  // `rt`; a TLS failure's reason goes to `failure` (the access log).
  // Without this call: the worker's current runtime, no client
  // certificate. refused(): the policy is unusable, nothing was opened.
  void useTls(const Runtime* rt, const ir::Listener* listener, std::string* failure);
  bool refused() const { return target_ && target_->refuse; }
  // The status the endpoint answered (outlier detection; 0: none).
  void answered(int status) {
    if (at_ && opened_) at_->answered(status);
  }

 private:
  Worker& w_;
  const ir::Cluster& cluster_;
  const ir::SessionPersistence* sp_;
  ExtraFields* response_;
  std::optional<EndpointAttempt> at_;  // from the first open(): the session value is in its fields
  const ir::Endpoint* ep_ = nullptr;
  bool opened_ = false;
  std::optional<UpstreamTarget> target_;
  std::string* failure_ = nullptr;
  std::string failureSink_;
};

}  // namespace portico::dataplane
