// One HTTP/2 request stream, as a coroutine on the worker: the request
// rebuilt as an HTTP/1.1 head (pseudo-header fields to request line and
// Host, cookies joined, connection-specific fields dropped), routed by the
// bind's router with the HTTP/1.1 rules (SNI listener, 421), local answers
// (redirect, CORS preflight, direct responses, errors; Trailers-Only gRPC
// statuses for gRPC requests), then the backendRef choice and the exchange
// with the backend: over HTTP/2 for gRPC and h2c backends
// (h2_stream_h2.cc), over HTTP/1.1 otherwise (h2_stream_h1.cc).
#include <algorithm>

#include "dataplane/grpc_status.h"
#include "dataplane/h2_request.h"
#include "dataplane/session_impl.h"
#include "router/filters.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace portico::dataplane {

H2Outcome h2Outcome(int status, bool responded, bool retryable, H2Unsent unsent) {
  H2Outcome o;
  o.status = status;
  o.responded = responded;
  o.retryable = retryable;
  o.unsent = unsent;
  return o;
}

// The HTTP/1.1 view of the stream's request (views into st_ and this).
void H2Request::buildHead() {
  req_.method = st_.method;
  req_.target = st_.path;
  std::string_view target = st_.path;
  const size_t q = target.find('?');
  req_.path = target.substr(0, q);
  req_.query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  req_.versionMinor = 1;
  req_.keepAlive = true;
  std::string_view hostField;
  for (const auto& [n, v] : st_.headers) {
    if (n == "te") teTrailers_ = v == "trailers";  // RFC 9113 §8.2.2: the only TE value allowed
    if (isConnectionSpecific(n)) continue;
    if (n == "content-length") {
      contentLength_ = 0;
      for (char ch : v)
        contentLength_ = ch >= '0' && ch <= '9' ? contentLength_ * 10 + (ch - '0') : contentLength_;
      continue;
    }
    if (n == "host") {
      hostField = v;
      continue;  // :authority wins (RFC 9113 §8.3.1); sent as Host by the head builder
    }
    if (n == "cookie") {  // RFC 9113 §8.2.3: one field for HTTP/1.1
      cookie_.append(cookie_.empty() ? "" : "; ").append(v);
      continue;
    }
    req_.headers.push_back(http1::Header{n, v});
  }
  if (!cookie_.empty()) req_.headers.push_back(http1::Header{"cookie", cookie_});
  req_.host = st_.authority.empty() ? hostField : std::string_view(st_.authority);
  if (const auto* ct = http1::findHeader(req_.headers, "content-type")) grpc_ = isGrpcContentType(ct->value);
  rec_.protocol = grpc_ ? RequestProtocol::Grpc : RequestProtocol::Http2;
  // Framing is decided per upstream protocol (h2_stream_h1.cc holds the
  // body and sends a Content-Length; HTTP/2 needs none).
}

awaitable<void> H2Request::run() {
  rec_.start = std::chrono::steady_clock::now();
  buildHead();
  rec_.method = st_.method;
  rec_.host = std::string(req_.host);
  rec_.path = std::string(req_.path);
  co_await handle();
  logRequest();
}

awaitable<void> H2Request::handle() {
  if (st_.headersTooLarge) co_return co_await respond(431, "request header section too large");
  if (st_.method == "CONNECT") co_return co_await respond(501, "CONNECT is not supported");
  rt_ = w_.runtime;  // pinned for this request
  bind_ = rt_ ? rt_->find(c_.key_) : nullptr;
  if (!bind_) co_return co_await respond(503, "this listener is no longer configured");
  if (req_.host.empty()) co_return co_await respond(400, "no :authority or Host");

  const router::RequestView view = routingView(req_);
  const ir::Listener* sni = nullptr;
  if (c_.tls_) {
    sni = c_.sniListener_ ? sameListener(*c_.sniListener_, *bind_->bind) : nullptr;
    if (!sni) co_return co_await respond(421, "the listener of this connection is no longer configured");
  }
  auto match = bind_->router->route(view, sni);
  listener_ = match.listener;
  if (match.status != 0 || !match.route) {
    const int status = match.status ? match.status : 404;
    co_return co_await respond(status, status == 421 ? "misdirected request" : "no route");
  }
  const ir::Route& route = *match.route;
  rec_.route = route.routeNamespace + "/" + route.routeName;
  if (route.filters.cors) {
    auto cors = router::evaluateCors(*route.filters.cors, view);
    if (cors.kind == router::CorsKind::Preflight) co_return co_await respond(cors.status, "", cors.headers);
    corsHeaders_ = std::move(cors.headers);
  }
  if (route.filters.redirect) co_return co_await redirect(*route.filters.redirect);
  if (route.directResponseStatus)
    co_return co_await respond(route.directResponseStatus, "this route cannot be served");
  co_await proxy(route);
}

awaitable<void> H2Request::respond(int status, std::string_view body, const FieldList& extra) {
  countResponse(status);
  responseStarted_ = true;
  if (grpc_ && status != 200) {
    // A gRPC client reads a Trailers-Only response with its status, not an
    // HTML or text page: 404 is UNIMPLEMENTED, 503 UNAVAILABLE, ... The
    // metrics and the access log keep the HTTP status Portico meant.
    FieldList fields = grpcTrailersOnly(timedOut_ ? kGrpcDeadlineExceeded : grpcStatusForHttp(status), body);
    c_.submitResponse(st_, 200, fields, false);
    co_return;
  }
  FieldList fields = extra;
  if (!body.empty()) fields.emplace_back("content-type", "text/plain; charset=utf-8");
  fields.emplace_back("content-length", std::to_string(body.size()));
  const bool hasBody = !body.empty() && st_.method != "HEAD";
  c_.submitResponse(st_, status, fields, hasBody);
  if (hasBody) {
    if (co_await c_.pushData(st_, body)) rec_.bytesOut += body.size();
    c_.finishData(st_, FieldList());
  }
}

awaitable<void> H2Request::redirect(const ir::Redirect& r) {
  std::string path = r.path.kind == ir::PathRewriteKind::None ? std::string(req_.path)
                                                              : router::rewritePath(r.path, req_.path);
  std::string location = router::redirectLocation(r, c_.tls_ ? "https" : "http", hostNoPort(),
                                                  bind_->bind->port, path, req_.query);
  FieldList extra;
  extra.emplace_back("location", std::move(location));
  co_await respond(r.statusCode, "", extra);
}

awaitable<void> H2Request::proxy(const ir::Route& route) {
  if (route.backends.empty()) co_return co_await respond(500, "the route has no backends");
  const int idx = router::pickWeighted(route.backends, w_.rng());
  if (idx < 0) co_return co_await respond(500, "every backend of the route has weight 0");
  const ir::Backend& backend = route.backends[static_cast<size_t>(idx)];
  if (!backend.cluster.empty()) backendLabel_ = &backend.cluster;
  if (backend.cluster.empty())
    co_return co_await respond(backend.invalidStatus, "the chosen backend reference is invalid");
  if (backend.filters && backend.filters->redirect) co_return co_await redirect(*backend.filters->redirect);
  const ir::Cluster* cluster = rt_->cluster(backend.cluster);
  if (!cluster || cluster->endpoints.empty())
    co_return co_await respond(503, "no ready endpoint for " + backend.cluster);
  rec_.requestId = requestIdFor(req_, w_.rng);
  if (upstreamSpeaksH2(route, *cluster)) co_return co_await proxyH2(route, backend, *cluster);
  co_await proxyH1(route, backend, *cluster);
}

// The request for the backend (forward.cc: filters, X-Forwarded-*,
// hop-by-hop fields), written as HTTP/1.1 or as HTTP/2 fields by the
// exchange.
UpstreamRequest H2Request::upstreamRequest(const ir::Route& route, const ir::Backend& backend) {
  ForwardContext fc{c_.peer_, c_.tls_ ? "https" : "http", rec_.requestId, w_.options().addVia};
  return prepareUpstream(req_, route, &backend, fc);
}

void H2Request::countResponse(int status) {
  w_.countResponse(rec_, status, rt_.get(), listener_, backendLabel_);
}

void H2Request::logRequest() { w_.finishRequest(rec_, c_.peer_); }

awaitable<void> H2Connection::serveStream(std::shared_ptr<H2Stream> st) {
  if (st->closed) co_return;  // reset before its turn came: nothing to answer, nothing to send upstream
  {
    H2Request r(*this, *st);
    co_await r.run();
  }
  endStreamWork(*st);
}

}  // namespace portico::dataplane
