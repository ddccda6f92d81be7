// An HTTP/2 stream proxied to an HTTP/1.1 backend: the body is held whole
// (sent with a Content-Length, up to kH2MaxRequestBody), the head built by
// forward.cc, attempts under the HTTPRoute timeouts and retries, pooled
// connections with the stale-connection replay, and the response relayed
// as HEADERS, DATA and (chunked trailers) a trailing HEADERS frame.
#include <algorithm>

#include "dataplane/attempts.h"
#include "dataplane/body_relay.h"
#include "dataplane/endpoint_attempt.h"
#include "dataplane/h2_request.h"
#include "dataplane/mirror.h"
#include "dataplane/session_impl.h"
#include "dataplane/upstream_tls_connect.h"
#include "router/filters.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace portico::dataplane {
awaitable<void> H2Request::proxyH1(const ir::Route& route, const ir::Backend& backend,
                                   const ir::Cluster& cluster) {
  // HTTPRoute timeouts.request runs from here; the body, read whole first
  // (an HTTP/1.1 request needs its length), counts against it.
  const SteadyTime overall = requestDeadline(route, std::chrono::steady_clock::now());
  while (!st_.bodyEnd || !st_.body.empty()) {
    if (!co_await c_.takeBody(st_, held_)) co_return;  // the client went away
    if (held_.size() > c_.maxBody_) co_return co_await respond(413, "request body too large");
  }
  const bool bodyMethod = st_.method == "POST" || st_.method == "PUT" || st_.method == "PATCH";
  if (!held_.empty() || contentLength_ >= 0 || bodyMethod) {
    req_.framing = http1::BodyFraming::ContentLength;
    req_.contentLength = held_.size();
  }
  const std::string head = serializeUpstreamHead(upstreamRequest(route, backend));
  if (!route.filters.mirrors.empty())
    sendMirrors(w_, *rt_, route, head, held_.empty() ? nullptr : std::make_shared<const std::string>(held_),
                false, listener_);

  // The body is held whole: every attempt can send it.
  const int attempts = attemptCount(route);
  H2Outcome ex;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    const bool last = attempt + 1 == attempts;
    const auto budget = attemptBudget(route, overall, std::chrono::steady_clock::now());
    if (!budget) {
      ex = h2Outcome(504, false, false);
      break;
    }
    if (budget->count() == 0) {
      ex = co_await exchange(route, backend, cluster, head, !last);
    } else {
      using namespace asio::experimental::awaitable_operators;
      asio::steady_timer timer(w_.io(), *budget);
      auto r = co_await (exchange(route, backend, cluster, head, !last) ||
                         timer.async_wait(asio::as_tuple(asio::use_awaitable)));
      if (r.index() == 0) {
        ex = std::get<0>(r);
      } else {
        ex = h2Outcome(504, responseStarted_, !responseStarted_);
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

awaitable<H2Outcome> H2Request::exchange(const ir::Route& route, const ir::Backend& backend,
                                         const ir::Cluster& cluster, const std::string& head,
                                         bool mayRetryStatus) {
  // As exchange.cc: TLS for a BackendTLSPolicy, 500 without connecting
  // when its CA configuration is unusable.
  const UpstreamTarget target = upstreamTargetFor(w_, rt_.get(), cluster, listener_, false);
  if (target.refuse) {
    countTlsError(w_, cluster.name, "invalid_policy");
    rec_.upstreamError = "tls:invalid_policy";
    co_return h2Outcome(kUnusableTlsPolicyStatus, false, false);
  }
  std::unique_ptr<UpstreamConnection> up;
  const ir::Endpoint* ep = nullptr;
  // As exchange.cc: the session's endpoint or the balancer's, skipping
  // ejected ones; every endpoint ejected answers 503 at once.
  const ir::SessionPersistence* sp = sessionPersistenceFor(route, cluster);
  EndpointAttempt at(w_.balancer, w_.rng, cluster, sp, sp ? sessionValueInHead(*sp, head) : std::nullopt);
  if (at.allEjected()) co_return h2Outcome(503, false, false);
  while (!up && !st_.closed && (ep = at.next())) {
    up = w_.pool.take(upstreamPoolKey(at.key(), target));
    if (!up) {
      up = co_await openUpstream(w_, cluster, *ep, target, rec_.upstreamError);
      if (!up) at.connectFailed();
    }
  }
  if (!up) co_return h2Outcome(503, false, true);
  if (auto f = at.connected())
    putResponseField(corsHeaders_, std::move(*f));  // sent with the response fields
  const bool reused = up->reused;
  H2Outcome ex = co_await roundTrip(up, route, backend, head, mayRetryStatus);
  const bool safe = ex.unsent == H2Unsent::Incomplete ||
                    (ex.unsent == H2Unsent::NoResponse && idempotentMethod(st_.method));
  if (!reused || !safe || st_.closed) {
    at.answered(ex.status);
    co_return ex;
  }
  w_.stats.add(w_.stats.staleReplays);
  up = co_await openUpstream(w_, cluster, *ep, target, rec_.upstreamError);
  if (!up) {
    at.connectFailed();
    co_return h2Outcome(503, false, true);
  }
  ex = co_await roundTrip(up, route, backend, head, mayRetryStatus);
  at.answered(ex.status);
  co_return ex;
}

awaitable<H2Outcome> H2Request::roundTrip(std::unique_ptr<UpstreamConnection>& up, const ir::Route& route,
                                          const ir::Backend& backend, const std::string& head,
                                          bool mayRetryStatus) {
  // The client reset the stream (or the connection went) meanwhile.
  if (st_.closed || c_.closed_) co_return h2Outcome(0, true, false);
  // The client resetting the stream closes the upstream connection.
  UpstreamConnection* raw = up.get();
  st_.abandonUpstream = [raw] {
    boost::system::error_code ec;
    raw->socket.close(ec);
  };
  struct Unclaim {
    H2Stream& st;
    ~Unclaim() { st.abandonUpstream = nullptr; }
  } unclaim{st_};
  rec_.upstream = up->endpoint;
  const auto sent = std::chrono::steady_clock::now();
  std::vector<asio::const_buffer> request;
  request.push_back(asio::buffer(head));
  if (!held_.empty()) request.push_back(asio::buffer(held_));
  auto [wec, wn] = co_await asio::async_write(up->socket, request, asio::as_tuple(asio::use_awaitable));
  if (wec) co_return h2Outcome(502, false, true, H2Unsent::Incomplete);

  http1::ResponseHead resp;
  resp.headers.reserve(16);  // one allocation, not one per doubling
  up->buffer.resize(std::max<size_t>(up->buffer.size(), kRelayChunk));
  size_t have = 0;
  for (;;) {
    size_t consumed = 0;
    http1::Error err;
    auto r = have ? http1::parseResponseHead(std::string_view(up->buffer.data(), have), st_.method, resp,
                                             consumed, err)
                  : http1::Result::NeedMore;
    if (r == http1::Result::Error) co_return h2Outcome(502, false, false);
    if (r == http1::Result::Done) {
      if (resp.status >= 100 && resp.status < 200) {
        std::memmove(up->buffer.data(), up->buffer.data() + consumed, have - consumed);
        have -= consumed;
        resp.clear();
        continue;
      }
      if (mayRetryStatus && retryableStatus(route, resp.status))
        co_return h2Outcome(resp.status, false, true);
      FieldList fields;
      fields.reserve(resp.headers.size() + corsHeaders_.size() + 1);
      const http1::HopByHop hop(resp.headers);
      for (const auto& h : resp.headers) {
        if (hop(h.name) || isConnectionSpecific(h.name) || http1::iequals(h.name, "content-length")) continue;
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
      co_return h2Outcome(resp.status, true, false);
    }
    if (have == up->buffer.size()) co_return h2Outcome(502, false, false);
    auto [ec, got] =
        co_await up->socket.async_read_some(asio::buffer(up->buffer.data() + have, up->buffer.size() - have),
                                            asio::as_tuple(asio::use_awaitable));
    if (ec || got == 0)
      co_return h2Outcome(502, false, true, have == 0 ? H2Unsent::NoResponse : H2Unsent::No);
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

}  // namespace portico::dataplane
