// One HTTP/2 request stream, as a coroutine on the worker: the request
// rebuilt as an HTTP/1.1 head (pseudo-header fields to request line and
// Host, cookies joined, connection-specific fields dropped), routed by the
// bind's router with the HTTP/1.1 rules (SNI listener, 421), local answers
// (redirect, CORS preflight, direct responses, errors), then the
// backendRef choice and the HTTP/1.1 exchange with the upstream through
// the worker's pool (forward.cc builds the head), under the HTTPRoute
// timeouts and retries. The response goes back as HEADERS, DATA and, when
// the upstream sent chunked trailers, a trailing HEADERS frame.
#include <algorithm>

#include "dataplane/attempts.h"
#include "dataplane/body_relay.h"
#include "dataplane/h2_impl.h"
#include "dataplane/session_impl.h"
#include "router/filters.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace portico::dataplane {
namespace {

bool retryableStatus(const ir::Route& route, int status) {
  if (!route.retry) return false;
  const auto& codes = route.retry->codes;
  return std::find(codes.begin(), codes.end(), status) != codes.end();
}

bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" || method == "PUT" ||
         method == "DELETE";
}

enum class Unsent { No, Incomplete, NoResponse };

struct Outcome {
  int status = 0;
  bool responded = false;
  bool retryable = false;
  Unsent unsent = Unsent::No;
};

Outcome outcome(int status, bool responded, bool retryable, Unsent unsent = Unsent::No) {
  Outcome o;
  o.status = status;
  o.responded = responded;
  o.retryable = retryable;
  o.unsent = unsent;
  return o;
}

// The stream's claim on an upstream connection, visible to the
// connection (closed when the client resets the stream).
struct UpstreamClaim {
  H2Stream& st;
  UpstreamClaim(H2Stream& s, UpstreamConnection* up) : st(s) { st.upstream = up; }
  ~UpstreamClaim() { st.upstream = nullptr; }
  UpstreamClaim(const UpstreamClaim&) = delete;
  UpstreamClaim& operator=(const UpstreamClaim&) = delete;
};

class H2Request {
 public:
  H2Request(H2Connection& c, H2Stream& st) : c_(c), st_(st), w_(c.w_) {}

  awaitable<void> run();

 private:
  awaitable<void> handle();
  awaitable<void> respond(int status, std::string_view body, const FieldList& extra = {});
  awaitable<void> redirect(const ir::Redirect& r);
  awaitable<void> proxy(const ir::Route& route);
  awaitable<Outcome> exchange(const ir::Route& route, const ir::Backend& backend, const ir::Cluster& cluster,
                              const std::string& head, bool mayRetryStatus);
  awaitable<Outcome> roundTrip(std::unique_ptr<UpstreamConnection>& up, const ir::Route& route,
                               const ir::Backend& backend, const std::string& head, bool mayRetryStatus);
  awaitable<bool> relayBody(UpstreamConnection& up, const http1::ResponseHead& head, bool& reusable,
                            FieldList& trailers);
  void buildHead();
  void countResponse(int status);
  void logRequest();
  std::string_view hostNoPort() const { return router::stripPort(req_.host); }

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
};

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
  bool lengthSent = false;
  std::string_view hostField;
  for (const auto& [n, v] : st_.headers) {
    if (isConnectionSpecific(n)) continue;
    if (n == "content-length") {
      lengthSent = true;
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
  const bool bodyMethod = st_.method == "POST" || st_.method == "PUT" || st_.method == "PATCH";
  if (!st_.body.empty() || lengthSent || bodyMethod) {
    req_.framing = http1::BodyFraming::ContentLength;
    req_.contentLength = st_.body.size();
  }
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
  if (st_.bodyTooLarge) co_return co_await respond(413, "request body too large");
  if (st_.method == "CONNECT") co_return co_await respond(501, "CONNECT is not supported");
  rt_ = w_.runtime;  // pinned for this request
  bind_ = rt_ ? rt_->find(c_.key_) : nullptr;
  if (!bind_) co_return co_await respond(503, "this listener is no longer configured");
  if (req_.host.empty()) co_return co_await respond(400, "no :authority or Host");

  router::RequestView view;
  view.host = req_.host;
  view.path = req_.path;
  view.query = req_.query;
  view.method = req_.method;
  view.headers = std::span<const http1::Header>(req_.headers.data(), req_.headers.size());
  if (const auto* ct = http1::findHeader(req_.headers, "content-type"))
    view.grpc = ct->value.starts_with("application/grpc");
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

  ForwardContext fc{c_.peer_, c_.tls_ ? "https" : "http", "", w_.options().addVia};
  rec_.requestId = requestIdFor(req_, w_.rng);
  fc.requestId = rec_.requestId;
  const std::string head = buildUpstreamHead(req_, route, &backend, fc);

  const SteadyTime overall = requestDeadline(route, std::chrono::steady_clock::now());
  // The body is held whole: every attempt can send it.
  const int attempts = attemptCount(route);
  Outcome ex;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    const bool last = attempt + 1 == attempts;
    const auto budget = attemptBudget(route, overall, std::chrono::steady_clock::now());
    if (!budget) {
      ex = outcome(504, false, false);
      break;
    }
    if (budget->count() == 0) {
      ex = co_await exchange(route, backend, *cluster, head, !last);
    } else {
      using namespace asio::experimental::awaitable_operators;
      asio::steady_timer timer(w_.io(), *budget);
      auto r = co_await (exchange(route, backend, *cluster, head, !last) ||
                         timer.async_wait(asio::as_tuple(asio::use_awaitable)));
      if (r.index() == 0) {
        ex = std::get<0>(r);
      } else {
        ex = outcome(504, responseStarted_, !responseStarted_);
      }
    }
    if (ex.responded || !ex.retryable || last || st_.closed) break;
    w_.stats.add(w_.stats.retries);
    if (const auto backoff = retryBackoff(route, attempt); backoff.count() > 0) {
      asio::steady_timer pause(w_.io(), backoff);
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
  if (ex.responded) {
    // Cut short after the head went out: the stream cannot end cleanly.
    if (!st_.outEof) c_.resetStream(st_);
    co_return;
  }
  const char* why = ex.status == 504 ? "upstream timed out" : "upstream failed";
  co_await respond(ex.status, why);
}

awaitable<Outcome> H2Request::exchange(const ir::Route& route, const ir::Backend& backend,
                                       const ir::Cluster& cluster, const std::string& head,
                                       bool mayRetryStatus) {
  std::unique_ptr<UpstreamConnection> up;
  const ir::Endpoint* ep = nullptr;
  EndpointBalancer::InFlight inFlight;
  const size_t n = cluster.endpoints.size();
  const size_t first = w_.balancer.pick(cluster, w_.rng);
  for (size_t tries = 0; tries < std::min<size_t>(n, 3) && !up && !st_.closed; ++tries) {
    ep = &cluster.endpoints[(first + tries) % n];
    const std::string key = endpointKey(*ep);
    inFlight = w_.balancer.track(cluster, key);
    up = w_.pool.take(key);
    if (!up) {
      boost::system::error_code ec;
      up = co_await w_.pool.connect(ep->address, ep->port, w_.options().upstreamConnectTimeout, ec);
      if (!up) w_.stats.add(w_.stats.upstreamConnectErrors);
    }
  }
  if (!up) co_return outcome(503, false, true);
  const bool reused = up->reused;
  Outcome ex = co_await roundTrip(up, route, backend, head, mayRetryStatus);
  const bool safe =
      ex.unsent == Unsent::Incomplete || (ex.unsent == Unsent::NoResponse && idempotent(st_.method));
  if (!reused || !safe || st_.closed) co_return ex;
  w_.stats.add(w_.stats.staleReplays);
  boost::system::error_code ec;
  up = co_await w_.pool.connect(ep->address, ep->port, w_.options().upstreamConnectTimeout, ec);
  if (!up) {
    w_.stats.add(w_.stats.upstreamConnectErrors);
    co_return outcome(503, false, true);
  }
  co_return co_await roundTrip(up, route, backend, head, mayRetryStatus);
}

awaitable<Outcome> H2Request::roundTrip(std::unique_ptr<UpstreamConnection>& up, const ir::Route& route,
                                        const ir::Backend& backend, const std::string& head,
                                        bool mayRetryStatus) {
  // The client reset the stream (or the connection went) meanwhile.
  if (st_.closed || c_.closed_) co_return outcome(0, true, false);
  UpstreamClaim claim(st_, up.get());
  rec_.upstream = up->endpoint;
  const auto sent = std::chrono::steady_clock::now();
  std::vector<asio::const_buffer> request;
  request.push_back(asio::buffer(head));
  if (!st_.body.empty()) request.push_back(asio::buffer(st_.body));
  auto [wec, wn] = co_await asio::async_write(up->socket, request, asio::as_tuple(asio::use_awaitable));
  if (wec) co_return outcome(502, false, true, Unsent::Incomplete);

  http1::ResponseHead resp;
  up->buffer.resize(std::max<size_t>(up->buffer.size(), kRelayChunk));
  size_t have = 0;
  for (;;) {
    size_t consumed = 0;
    http1::Error err;
    auto r = have ? http1::parseResponseHead(std::string_view(up->buffer.data(), have), st_.method, resp,
                                             consumed, err)
                  : http1::Result::NeedMore;
    if (r == http1::Result::Error) co_return outcome(502, false, false);
    if (r == http1::Result::Done) {
      if (resp.status >= 100 && resp.status < 200) {
        std::memmove(up->buffer.data(), up->buffer.data() + consumed, have - consumed);
        have -= consumed;
        resp.clear();
        continue;
      }
      if (mayRetryStatus && retryableStatus(route, resp.status)) co_return outcome(resp.status, false, true);
      FieldList fields;
      fields.reserve(resp.headers.size() + corsHeaders_.size() + 1);
      for (const auto& h : resp.headers) {
        if (http1::isHopByHop(h.name, resp.headers) || isConnectionSpecific(h.name) ||
            http1::iequals(h.name, "content-length"))
          continue;
        fields.emplace_back(std::string(h.name), std::string(h.value));
      }
      router::applyHeaderOps(route.filters.responseHeaders, fields);
      if (backend.filters) router::applyHeaderOps(backend.filters->responseHeaders, fields);
      for (const auto& f : corsHeaders_) fields.push_back(f);
      const bool hasBody = resp.framing != http1::BodyFraming::None;
      if (resp.framing == http1::BodyFraming::ContentLength ||
          (resp.framing == http1::BodyFraming::None && resp.contentLength > 0))
        fields.emplace_back("content-length", std::to_string(resp.contentLength));
      countResponse(resp.status);
      std::memmove(up->buffer.data(), up->buffer.data() + consumed, have - consumed);
      up->buffer.resize(have - consumed);
      responseStarted_ = true;
      c_.submitResponse(st_, resp.status, fields, hasBody);
      bool reusable = resp.keepAlive;
      bool ok = true;
      FieldList trailers;
      if (hasBody) ok = co_await relayBody(*up, resp, reusable, trailers);
      if (ok && backendLabel_) {
        auto& h = w_.labelled.upstreamTime[*backendLabel_];
        h.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count());
      }
      const bool pool = ok && reusable && up->buffer.empty() && up->socket.is_open();
      if (pool) w_.pool.give(std::move(up));
      if (ok && hasBody) c_.finishData(st_, std::move(trailers));
      co_return outcome(resp.status, true, false);
    }
    if (have == up->buffer.size()) co_return outcome(502, false, false);
    auto [ec, got] =
        co_await up->socket.async_read_some(asio::buffer(up->buffer.data() + have, up->buffer.size() - have),
                                            asio::as_tuple(asio::use_awaitable));
    if (ec || got == 0) co_return outcome(502, false, true, have == 0 ? Unsent::NoResponse : Unsent::No);
    have += got;
  }
}

awaitable<bool> H2Request::relayBody(UpstreamConnection& up, const http1::ResponseHead& head, bool& reusable,
                                     FieldList& trailers) {
  auto push = [&](std::string_view d) -> awaitable<bool> {
    if (d.empty()) co_return true;
    if (!co_await c_.pushData(st_, d)) co_return false;
    rec_.bytesOut += d.size();
    co_return true;
  };
  co_return co_await relayUpstreamBody(up, head, false, push, reusable, &trailers);
}

void H2Request::countResponse(int status) {
  w_.countResponse(rec_, status, rt_.get(), listener_, backendLabel_);
}

void H2Request::logRequest() { w_.finishRequest(rec_, c_.peer_); }

}  // namespace

awaitable<void> H2Connection::serveStream(std::shared_ptr<H2Stream> st) {
  if (st->closed) co_return;  // reset before its turn came: nothing to answer, nothing to send upstream
  H2Request r(*this, *st);
  co_await r.run();
}

}  // namespace portico::dataplane
