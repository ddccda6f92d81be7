// One upstream attempt: endpoint choice (load_balancer.h), pooled
// connections and the replay of a request a stale one lost, the request
// out (request_body.cc for the body), the response head and body back
// through a bounded buffer, upstream latency.
#include <fmt/format.h>

#include <algorithm>

#include "dataplane/attempts.h"
#include "dataplane/body_relay.h"
#include "dataplane/endpoint_attempt.h"
#include "dataplane/h2_upstream.h"
#include "dataplane/session_impl.h"
#include "dataplane/upstream_tls_connect.h"
#include "router/filters.h"

namespace portico::dataplane {
// One attempt: an endpoint (the cluster's balancer; a connect failure moves
// on to the next endpoint), then the round trip. A pooled connection the
// upstream closed meanwhile (the pool's peek cannot see a close that races
// with the request) fails without any response byte; the request goes
// again, once, on a new connection to the same endpoint when that is safe:
// always if the upstream cannot have the whole request (a write failed),
// and for idempotent methods if it can. This is Go's net/http Transport
// rule (shouldRetryRequest) with RFC 9110's idempotent methods, as nginx
// uses them for proxy_next_upstream. A body is sent again only if it was
// held whole or none of it went out yet.
template <class Stream>
awaitable<typename Session<Stream>::Exchange> Session<Stream>::exchange(const ir::Route& route,
                                                                        const ir::Backend& backend,
                                                                        const ir::Cluster& cluster,
                                                                        const std::string& head,
                                                                        bool mayRetryStatus) {
  // HTTP/2 backends get the request over h2c (session_h2.cc); an Upgrade
  // stays on HTTP/1.1, where it is defined.
  if (!upgrading_ && upstreamSpeaksH2(route, cluster))
    co_return co_await exchangeH2(route, backend, cluster, head, mayRetryStatus);
  // BackendTLSPolicy: TLS on every new connection, a pooled one only of
  // the same TLS identity; a policy with an unusable CA configuration
  // never connects (GEP-1897: 5xx; kUnusableTlsPolicyStatus).
  const UpstreamTarget target = upstreamTargetFor(w_, rt_.get(), cluster, listener_, false);
  if (target.refuse) {
    countTlsError(w_, cluster.name, "invalid_policy");
    rec_.upstreamError = "tls:invalid_policy";
    co_return Exchange{kUnusableTlsPolicyStatus, false, false, false};
  }
  std::unique_ptr<UpstreamConnection> up;
  const ir::Endpoint* ep = nullptr;
  // The session's endpoint or the balancer's, skipping ejected ones
  // (endpoint_attempt.h); every endpoint ejected answers 503 at once.
  const ir::SessionPersistence* sp = sessionPersistenceFor(route, cluster);
  EndpointAttempt at(w_.balancer, w_.rng, cluster, sp, sp ? sessionValueInHead(*sp, head) : std::nullopt);
  if (at.allEjected()) co_return Exchange{503, false, false, false};
  while (!up && (ep = at.next())) {
    // An Upgrade gets a connection of its own: it is not returned to the
    // pool, and a stale one must not make it go out twice.
    if (!upgrading_) up = w_.pool.take(upstreamPoolKey(at.key(), target));
    if (!up) {
      // A TLS failure moves on like a connect failure (docs/backend-tls.md).
      up = co_await openUpstream(w_, cluster, *ep, target, rec_.upstreamError);
      if (!up) at.connectFailed();
    }
  }
  if (!up) co_return Exchange{503, false, false, true};
  if (auto f = at.connected()) putResponseField(corsHeaders_, std::move(*f));  // sent with the response head

  const bool reused = up->reused;
  Exchange ex = co_await roundTrip(up, route, backend, head, mayRetryStatus);
  const bool safe =
      ex.unsent == Unsent::Incomplete || (ex.unsent == Unsent::NoResponse && idempotentMethod(method_));
  if (!reused || !safe || !bodyResendable()) {
    at.answered(ex.status);
    co_return ex;
  }
  w_.stats.add(w_.stats.staleReplays);
  up = co_await openUpstream(w_, cluster, *ep, target, rec_.upstreamError);
  if (!up) {
    at.connectFailed();
    co_return Exchange{503, false, false, true};
  }
  ex = co_await roundTrip(up, route, backend, head, mayRetryStatus);
  at.answered(ex.status);
  co_return ex;
}

// Request out, response back on one connection. Gives the connection back
// to the pool when its response ended cleanly.
template <class Stream>
awaitable<typename Session<Stream>::Exchange> Session<Stream>::roundTrip(
    std::unique_ptr<UpstreamConnection>& up, const ir::Route& route, const ir::Backend& backend,
    const std::string& head, bool mayRetryStatus) {
  rec_.upstream = up->endpoint;
  const auto sent = std::chrono::steady_clock::now();  // upstream_rq_time starts at the first byte out
  auto [wec, wn] =
      co_await asio::async_write(up->socket, asio::buffer(head), asio::as_tuple(asio::use_awaitable));
  if (wec) co_return Exchange{502, false, false, true, Unsent::Incomplete};
  switch (co_await sendBody(*up)) {
    case BodyResult::Ok:
      break;
    case BodyResult::UpstreamFailed:
      co_return Exchange{502, false, false, false, Unsent::Incomplete};
    case BodyResult::TooLarge:
      co_return Exchange{413, false, false, false};
    case BodyResult::ClientFailed:
      co_return Exchange{400, false, false, false};
  }

  // Response head (1xx interim responses are skipped: the proxy answered
  // Expect itself).
  http1::ResponseHead resp;
  resp.headers.reserve(16);  // one allocation, not one per doubling
  up->buffer.resize(std::max<size_t>(up->buffer.size(), kRelayChunk));
  size_t have = 0;
  for (;;) {
    size_t consumed = 0;
    http1::Error err;
    auto r = have ? http1::parseResponseHead(std::string_view(up->buffer.data(), have), method_, resp,
                                             consumed, err)
                  : http1::Result::NeedMore;
    if (r == http1::Result::Error) co_return Exchange{502, false, false, false};
    if (r == http1::Result::Done) {
      if (resp.status >= 100 && resp.status < 200 && resp.status != 101) {
        std::memmove(up->buffer.data(), up->buffer.data() + consumed, have - consumed);
        have -= consumed;
        resp.clear();
        continue;
      }
      if (resp.status == 101) {
        // Switching only to what the client asked for (RFC 9110 §15.2.2):
        // an unsolicited 101, or one without Upgrade, is a broken answer.
        if (!upgrading_ || resp.versionMinor < 1 || !http1::findHeader(resp.headers, "upgrade"))
          co_return Exchange{502, false, false, false};
        std::string dh = buildSwitchingHead(resp, route, &backend);
        addCorsHeaders(dh);
        countResponse(101);
        // Bytes after the head are the new protocol's, sent to the client
        // first when the tunnel starts.
        std::memmove(up->buffer.data(), up->buffer.data() + consumed, have - consumed);
        up->buffer.resize(have - consumed);
        responseStarted_ = true;
        if (!co_await writeAll(dh)) co_return Exchange{0, true, false, false};
        switchedAt_ = std::chrono::steady_clock::now();
        tunnelUp_ = std::move(up);
        Exchange out{101, true, false, false};
        out.tunnel = true;
        co_return out;
      }
      if (mayRetryStatus && retryableStatus(route, resp.status))
        co_return Exchange{resp.status, false, false, true};
      // Build the downstream head now (views into up->buffer), then drop
      // the head bytes so only body bytes remain buffered.
      bool chunkedToClient = false, closeAfter = false;
      std::string dh = buildDownstreamHead(resp, route, &backend, versionMinor_,
                                           req_.keepAlive && !drainRequested_, chunkedToClient, closeAfter);
      addCorsHeaders(dh);
      countResponse(resp.status);
      responseStarted_ = true;
      bool reusable = resp.keepAlive;
      bool ok = true;
      const size_t bodyHave = have - consumed;
      if (resp.framing == http1::BodyFraming::ContentLength && resp.contentLength <= kWholeBodyWithHead &&
          resp.contentLength <= bodyHave) {
        // A small body that came whole with the head (most API answers):
        // head and body leave in one write, one syscall, with no relay.
        const size_t body = static_cast<size_t>(resp.contentLength);
        dh.append(up->buffer.data() + consumed, body);
        consumed += body;
        up->buffer.resize(have);  // the bytes read; then drop what was sent
        up->buffer.consume(consumed);
        if (!co_await writeAll(dh)) co_return Exchange{0, true, false, false};
      } else {
        up->buffer.resize(have);
        up->buffer.consume(consumed);
        if (!co_await writeAll(dh)) co_return Exchange{0, true, false, false};
        ok = co_await relayResponseBody(*up, resp, chunkedToClient, reusable);
      }
      if (ok && backendLabel_) {
        auto& h = w_.labelled.upstreamTime[*backendLabel_];
        h.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count());
      }
      Exchange out{resp.status, true, ok && !closeAfter && body_.consumed, false};
      // (An upstream that declined an Upgrade is not reused either.)
      if (ok && reusable && up->buffer.empty() && !upgrading_) w_.pool.give(std::move(up));
      co_return out;
    }
    if (have == up->buffer.size()) co_return Exchange{502, false, false, false};  // head too large
    auto [ec, got] =
        co_await up->socket.async_read_some(asio::buffer(up->buffer.data() + have, up->buffer.size() - have),
                                            asio::as_tuple(asio::use_awaitable));
    if (ec || got == 0)
      co_return Exchange{502, false, false, true, have == 0 ? Unsent::NoResponse : Unsent::No};
    have += got;
  }
}

template <class Stream>
awaitable<bool> Session<Stream>::relayResponseBody(UpstreamConnection& up, const http1::ResponseHead& head,
                                                   bool chunkedToClient, bool& upstreamReusable) {
  // A body that ends with the upstream connection is re-framed as chunks
  // for an HTTP/1.1 client (its end is then the last chunk, not a close).
  const bool frameChunks = chunkedToClient && head.framing == http1::BodyFraming::UntilClose;
  auto sink = [&](std::string_view d) -> awaitable<bool> {
    if (!frameChunks) co_return co_await writeAll(d);
    co_return co_await writeAll(fmt::format("{:x}\r\n", d.size()) + std::string(d) + "\r\n");
  };
  if (!co_await relayUpstreamBody(up, head, chunkedToClient, sink, upstreamReusable)) co_return false;
  if (frameChunks && !co_await writeAll("0\r\n\r\n")) co_return false;
  co_return true;
}

template <class Stream>
void Session<Stream>::addCorsHeaders(std::string& head) const {
  if (corsHeaders_.empty()) return;
  std::string extra;
  for (const auto& [k, v] : corsHeaders_) extra.append(k).append(": ").append(v).append("\r\n");
  head.insert(head.size() - 2, extra);  // before the blank line
}

template class Session<tcp::socket>;
template class Session<asio::ssl::stream<tcp::socket>>;

}  // namespace portico::dataplane
