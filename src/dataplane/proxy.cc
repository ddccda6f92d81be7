// One request to a backend: the weighted backendRef choice (spec §12.7),
// its RequestRedirect (v1.6 backendRef filters), the upstream head, the
// body held for replays when the route retries or mirrors, mirrors, and
// the attempts under HTTPRoute timeouts (504) and retries.
#include "dataplane/attempts.h"
#include "dataplane/session_impl.h"
#include "router/filters.h"

// GCC false positive (PR middle-end/109224): after inlining Asio's
// awaitable frame allocator, the class-level sized operator delete of the
// coroutine frame is reported as mismatched with its operator new.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace portico::dataplane {

template <class Stream>
awaitable<bool> Session<Stream>::proxy(const ir::Route& route) {
  // An error answered before the body was read leaves body bytes on the
  // wire: the connection cannot carry another request then (keepAfter()).
  // HTTP/1.1 Upgrade (tunnel.cc): sent once, never retried, replayed or
  // mirrored; on 101 the connection becomes a tunnel.
  upgrading_ = upgradeTunnelable(req_);
  const uint64_t maxBody = w_.options().maxRequestBody;
  if (maxBody && req_.framing == http1::BodyFraming::ContentLength && req_.contentLength > maxBody) {
    co_return co_await respond(413, "request body too large", keepAfter());
  }
  if (route.backends.empty()) co_return co_await respond(500, "the route has no backends", keepAfter());
  const int idx = router::pickWeighted(route.backends, w_.rng());
  if (idx < 0) co_return co_await respond(500, "every backend of the route has weight 0", keepAfter());
  const ir::Backend& backend = route.backends[static_cast<size_t>(idx)];
  if (!backend.cluster.empty()) backendLabel_ = &backend.cluster;
  if (backend.cluster.empty())
    co_return co_await respond(backend.invalidStatus, "the chosen backend reference is invalid", keepAfter());
  // A backendRef's RequestRedirect answers the share of requests that pick
  // it; nothing goes to its Service (v1.6 allows it in backendRefs[].filters).
  if (backend.filters && backend.filters->redirect) {
    co_return co_await redirect(*backend.filters->redirect,
                                req_.keepAlive && !drainRequested_ && body_.consumed);
  }
  const ir::Cluster* cluster = rt_->cluster(backend.cluster);
  if (!cluster || cluster->endpoints.empty())
    co_return co_await respond(503, "no ready endpoint for " + backend.cluster, keepAfter());

  // The upstream head, once: every attempt sends the same bytes (and a
  // chunked body may move the read buffer req_ points into).
  ForwardContext fc{peer_, tls_ ? "https" : "http", "", w_.options().addVia};
  fc.upgrade = upgrading_;
  rec_.requestId = requestIdFor(req_, w_.rng);
  fc.requestId = rec_.requestId;
  const std::string head = buildUpstreamHead(req_, route, &backend, fc);

  // HTTPRoute timeouts.request runs from here (the head is in; a body read
  // whole below counts against it).
  const SteadyTime overall = requestDeadline(route, std::chrono::steady_clock::now());
  // A body that may have to go out more than once is read whole first, up
  // to the limit; a longer one streams and is neither retried nor mirrored.
  const bool sendsCopies = route.retry || !route.filters.mirrors.empty();
  if (sendsCopies && body_.present) {
    BodyResult r = co_await bufferBody(w_.options().requestBufferLimit);
    if (r == BodyResult::TooLarge) co_return co_await respond(413, "request body too large", keepAfter());
    if (r != BodyResult::Ok) co_return co_await respond(400, "invalid request body", keepAfter());
    if (!body_.whole) w_.stats.add(w_.stats.bodiesUnbuffered);
  }
  const bool replayable = !body_.present || body_.whole;  // can go out more than once
  if (replayable && !upgrading_ && !route.filters.mirrors.empty()) startMirrors(route, head);

  // Connect failures are retried on another endpoint in exchange(), and a
  // stale pooled connection once on a new one; these are the route's own
  // retries.
  const int attempts = replayable && !upgrading_ ? attemptCount(route) : 1;
  Exchange ex;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    const bool last = attempt + 1 == attempts;
    const auto budget = attemptBudget(route, overall, std::chrono::steady_clock::now());
    if (!budget) {
      ex = Exchange{504, false, false, false};
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
        // Timeout (HTTPRoute timeouts): 504 unless part of the response
        // already left, in which case the connection is cut.
        ex = Exchange{504, responseStarted_, false, !responseStarted_};
      }
    }
    if (ex.responded || !ex.retryable || last || !bodyResendable()) break;
    w_.stats.add(w_.stats.retries);
    if (const auto backoff = retryBackoff(route, attempt); backoff.count() > 0) {
      asio::steady_timer pause(w_.io(), backoff);
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
  if (ex.tunnel) {
    // HTTPRoute timeouts bound the request up to its 101; the tunnel then
    // lives until a side closes or tunnelIdleTimeout passes.
    co_await tunnel();
    co_return false;
  }
  tunnelUp_.reset();  // a 101 that lost the race with the route's timeout
  if (ex.responded) co_return ex.keepAlive;
  const char* why = ex.status == 504   ? "upstream timed out"
                    : ex.status == 413 ? "request body too large"
                    : ex.status < 500  ? "invalid request body"
                                       : "upstream failed";
  co_return co_await respond(ex.status, why, keepAfter());
}

template class Session<tcp::socket>;
template class Session<asio::ssl::stream<tcp::socket>>;

}  // namespace portico::dataplane
