// One downstream HTTP/2 request stream (internal): routing and local
// answers (h2_stream.cc), then the exchange with the backend over
// HTTP/1.1 (h2_stream_h1.cc: body held whole, attempts, retries) or over
// HTTP/2 (h2_stream_h2.cc: body and response streamed both ways, for gRPC
// and h2c backends).
#pragma once

#include <memory>
#include <string>

#include "dataplane/access_log.h"
#include "dataplane/forward.h"
#include "dataplane/h2_client.h"
#include "dataplane/h2_impl.h"
#include "dataplane/h2_upstream.h"
#include "http1/codec.h"
#include "router/router.h"

namespace portico::dataplane {

enum class H2Unsent { No, Incomplete, NoResponse };

struct H2Outcome {
  int status = 0;
  bool responded = false;  // a response (or part of it) went to the client
  bool retryable = false;  // failed before anything went to the client
  H2Unsent unsent = H2Unsent::No;
};

H2Outcome h2Outcome(int status, bool responded, bool retryable, H2Unsent unsent = H2Unsent::No);

class H2Request {
 public:
  H2Request(H2Connection& c, H2Stream& st) : c_(c), st_(st), w_(c.w_) {}

  awaitable<void> run();

 private:
  // h2_stream.cc
  awaitable<void> handle();
  awaitable<void> respond(int status, std::string_view body, const FieldList& extra = {});
  awaitable<void> redirect(const ir::Redirect& r);
  awaitable<void> proxy(const ir::Route& route);
  void buildHead();
  void countResponse(int status);
  void logRequest();
  std::string_view hostNoPort() const { return router::stripPort(req_.host); }
  UpstreamRequest upstreamRequest(const ir::Route& route, const ir::Backend& backend);

  // h2_stream_h1.cc
  awaitable<void> proxyH1(const ir::Route& route, const ir::Backend& backend, const ir::Cluster& cluster);
  awaitable<H2Outcome> exchange(const ir::Route& route, const ir::Backend& backend,
                                const ir::Cluster& cluster, const std::string& head, bool mayRetryStatus);
  awaitable<H2Outcome> roundTrip(std::unique_ptr<UpstreamConnection>& up, const ir::Route& route,
                                 const ir::Backend& backend, const std::string& head, bool mayRetryStatus);
  awaitable<bool> relayBody(UpstreamConnection& up, const http1::ResponseHead& head, bool& reusable,
                            FieldList& trailers);

  // h2_stream_h2.cc
  awaitable<void> proxyH2(const ir::Route& route, const ir::Backend& backend, const ir::Cluster& cluster);
  awaitable<H2Outcome> exchangeH2(const ir::Route& route, const ir::Backend& backend,
                                  const ir::Cluster& cluster, const FieldList& fields, bool mayRetryStatus);
  awaitable<H2Outcome> streamH2(H2ClientConnection& conn, H2ClientStream& up, const ir::Route& route,
                                const ir::Backend& backend, bool mayRetryStatus);
  awaitable<void> pumpRequestBody(H2ClientConnection& conn, H2ClientStream& up, const bool& stop);
  awaitable<H2Outcome> relayResponse(H2ClientConnection& conn, H2ClientStream& up, const ir::Route& route,
                                     const ir::Backend& backend, bool mayRetryStatus, bool& stop);
  FieldList responseFields(const FieldList& upstream, const ir::Route& route,
                           const ir::Backend& backend) const;
  // The route's mirrors, once the request body is known whole (mirror_).
  void startMirrors();
  // A failure after the response began: gRPC gets its status in trailers,
  // anything else a reset stream.
  void failStarted(int grpcStatus, std::string_view message);

  H2Connection& c_;
  H2Stream& st_;
  Worker& w_;
  http1::RequestHead req_;
  std::string host_, path_, query_, cookie_;
  RuntimePtr rt_;
  const BindRuntime* bind_ = nullptr;
  RequestRecord rec_;
  const ir::Listener* listener_ = nullptr;
  const std::string* backendLabel_ = nullptr;
  FieldList corsHeaders_;
  bool responseStarted_ = false;
  bool timedOut_ = false;       // the request's deadline ran out (gRPC: DEADLINE_EXCEEDED)
  bool grpc_ = false;           // content-type application/grpc: errors as gRPC statuses
  bool teTrailers_ = false;     // the client sent "te: trailers" (gRPC requires it upstream)
  int64_t contentLength_ = -1;  // the client's content-length, if any
  // Request body bytes taken from the client and not yet sent upstream
  // (all of it when `bodyWhole`, so attempts can send it again).
  std::string held_;
  bool bodyWhole_ = false;
  bool bodyStarted_ = false;  // bytes beyond `held_` went upstream: no second attempt
  // Mirrors waiting for the end of a streamed body (h2_stream_h2.cc):
  // route null = none pending.
  struct PendingMirror {
    const ir::Route* route = nullptr;
    const std::string* head = nullptr;
    std::string body;  // the body so far
  } mirror_;
};

}  // namespace portico::dataplane
