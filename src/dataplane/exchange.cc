// Upstream side of a request: backend choice (weights, then round-robin
// over ready endpoints), pooled connections, request and response
// relaying with bounded buffers, timeouts (HTTPRoute timeouts), retries
// (HTTPRoute retry) and mirrors.
#include <fmt/format.h>

#include <algorithm>

#include "dataplane/session_impl.h"
#include "router/filters.h"

namespace portico::dataplane {
namespace {

constexpr size_t kRelayChunk = 64 * 1024;  // bounded buffer each way: back-pressure, not buffering

bool retryableStatus(const ir::Route& route, int status) {
  if (!route.retry) return false;
  const auto& codes = route.retry->codes;
  return std::find(codes.begin(), codes.end(), status) != codes.end();
}

}  // namespace

template <class Stream>
awaitable<bool> Session<Stream>::proxy(const ir::Route& route, int) {
  method_ = std::string(req_.method);
  versionMinor_ = req_.versionMinor;
  const bool hasBody = req_.framing != http1::BodyFraming::None;
  bodyConsumed_ = !hasBody;
  // An error answered before the body was read leaves body bytes on the
  // wire: the connection cannot carry another request then.
  auto fail = [&](int status, std::string_view why) -> awaitable<bool> {
    co_return co_await respond(status, why, req_.keepAlive && !drainRequested_ && bodyConsumed_);
  };
  const uint64_t maxBody = w_.options().maxRequestBody;
  if (maxBody && req_.framing == http1::BodyFraming::ContentLength && req_.contentLength > maxBody) {
    co_return co_await respond(413, "request body too large", false);  // body left unread: close
  }
  if (route.backends.empty()) co_return co_await fail(500, "the route has no backends");
  const int idx = router::pickWeighted(route.backends, w_.rng());
  if (idx < 0) co_return co_await fail(500, "every backend of the route has weight 0");
  const ir::Backend& backend = route.backends[static_cast<size_t>(idx)];
  if (!backend.cluster.empty()) backendLabel_ = &backend.cluster;
  if (backend.cluster.empty()) co_return co_await fail(backend.invalidStatus, "the chosen backend reference is invalid");
  const ir::Cluster* cluster = rt_->cluster(backend.cluster);
  if (!cluster || cluster->endpoints.empty()) co_return co_await fail(503, "no ready endpoint for " + backend.cluster);

  // Retries need the request again: only bodiless requests are replayed;
  // connect failures are retried on another endpoint in exchange().
  const int attempts = (!hasBody && route.retry) ? 1 + std::max(0, route.retry->attempts) : 1;
  const auto overall = route.requestTimeoutMs ? std::chrono::steady_clock::now() +
                                                    std::chrono::milliseconds(route.requestTimeoutMs)
                                              : std::chrono::steady_clock::time_point::max();
  Exchange ex;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    const bool last = attempt + 1 == attempts;
    auto budget = std::chrono::milliseconds(route.backendRequestTimeoutMs);
    if (overall != std::chrono::steady_clock::time_point::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(overall - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ex = Exchange{504, false, false, false};
        break;
      }
      budget = budget.count() ? std::min(budget, left) : left;
    }
    if (budget.count() == 0) {
      ex = co_await exchange(route, backend, *cluster, !last);
    } else {
      using namespace asio::experimental::awaitable_operators;
      asio::steady_timer timer(w_.io(), budget);
      auto r = co_await (exchange(route, backend, *cluster, !last) ||
                         timer.async_wait(asio::as_tuple(asio::use_awaitable)));
      if (r.index() == 0) {
        ex = std::get<0>(r);
      } else {
        // Timeout (HTTPRoute timeouts): 504 unless part of the response
        // already left, in which case the connection is cut.
        ex = Exchange{504, responseStarted_, false, !responseStarted_};
      }
    }
    if (ex.responded || !ex.retryable || last) break;
    w_.stats.add(w_.stats.retries);
    if (route.retry && route.retry->backoffMs) {
      asio::steady_timer pause(w_.io(), std::chrono::milliseconds(route.retry->backoffMs << std::min(attempt, 6)));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
  if (ex.responded) co_return ex.keepAlive;
  co_return co_await fail(ex.status, ex.status == 504 ? "upstream timed out" : "upstream failed");
}

template <class Stream>
awaitable<typename Session<Stream>::Exchange> Session<Stream>::exchange(const ir::Route& route,
                                                                       const ir::Backend& backend,
                                                                       const ir::Cluster& cluster,
                                                                       bool mayRetryStatus) {
  Exchange out;
  // Endpoint: round-robin per cluster; a connect failure moves on to the
  // next endpoint before giving up with 503.
  std::unique_ptr<UpstreamConnection> up;
  const size_t n = cluster.endpoints.size();
  uint64_t& rr = w_.roundRobin[cluster.name];
  for (size_t tries = 0; tries < std::min<size_t>(n, 3) && !up; ++tries) {
    const ir::Endpoint& ep = cluster.endpoints[rr++ % n];
    const std::string key = ep.address + ":" + std::to_string(ep.port);
    up = w_.pool.take(key);
    if (!up) {
      boost::system::error_code ec;
      up = co_await w_.pool.connect(ep.address, ep.port, w_.options().upstreamConnectTimeout, ec);
      if (!up) w_.stats.add(w_.stats.upstreamConnectErrors);
    }
  }
  if (!up) co_return Exchange{503, false, false, true};
  rec_.upstream = up->endpoint;

  ForwardContext fc{peer_, tls_ ? "https" : "http", "", w_.options().addVia};
  std::string requestId;
  if (const auto* id = http1::findHeader(req_.headers, "x-request-id")) {
    requestId = std::string(id->value);
  } else {
    requestId = makeRequestId(w_.rng(), w_.rng());
  }
  fc.requestId = requestId;
  rec_.requestId = requestId;
  const std::string head = buildUpstreamHead(req_, route, &backend, fc);
  if (req_.framing == http1::BodyFraming::None && !route.filters.mirrors.empty()) startMirrors(route, head);

  auto [wec, wn] = co_await asio::async_write(up->socket, asio::buffer(head), asio::as_tuple(asio::use_awaitable));
  if (wec) co_return Exchange{502, false, false, true};
  if (req_.framing != http1::BodyFraming::None) {
    if (req_.expectContinue && !co_await writeAll("HTTP/1.1 100 Continue\r\n\r\n")) co_return Exchange{0, true, false, false};
    if (!co_await relayRequestBody(*up)) co_return Exchange{502, false, false, false};
  }

  // Response head (1xx interim responses are skipped: the proxy answered
  // Expect itself).
  http1::ResponseHead resp;
  up->buffer.resize(std::max<size_t>(up->buffer.size(), kRelayChunk));
  size_t have = 0;
  for (;;) {
    size_t consumed = 0;
    http1::Error err;
    auto r = have ? http1::parseResponseHead(std::string_view(up->buffer.data(), have), method_, resp, consumed, err)
                  : http1::Result::NeedMore;
    if (r == http1::Result::Error) co_return Exchange{502, false, false, false};
    if (r == http1::Result::Done) {
      if (resp.status >= 100 && resp.status < 200 && resp.status != 101) {
        std::memmove(up->buffer.data(), up->buffer.data() + consumed, have - consumed);
        have -= consumed;
        resp.clear();
        continue;
      }
      if (mayRetryStatus && retryableStatus(route, resp.status)) co_return Exchange{resp.status, false, false, true};
      // Build the downstream head now (views into up->buffer), then drop
      // the head bytes so only body bytes remain buffered.
      bool chunkedToClient = false, closeAfter = false;
      std::string dh = buildDownstreamHead(resp, route, &backend, versionMinor_, req_.keepAlive && !drainRequested_,
                                           chunkedToClient, closeAfter);
      if (!corsHeaders_.empty()) {
        std::string extra;
        for (const auto& [k, v] : corsHeaders_) extra.append(k).append(": ").append(v).append("\r\n");
        dh.insert(dh.size() - 2, extra);
      }
      countResponse(resp.status);
      std::memmove(up->buffer.data(), up->buffer.data() + consumed, have - consumed);
      up->buffer.resize(have - consumed);
      responseStarted_ = true;
      if (!co_await writeAll(dh)) co_return Exchange{0, true, false, false};
      bool reusable = resp.keepAlive;
      bool ok = co_await relayResponseBody(*up, resp, chunkedToClient, reusable);
      out.responded = true;
      out.status = resp.status;
      out.keepAlive = ok && !closeAfter && bodyConsumed_;
      if (ok && reusable && up->buffer.empty()) w_.pool.give(std::move(up));
      co_return out;
    }
    if (have == up->buffer.size()) co_return Exchange{502, false, false, false};  // head too large
    auto [ec, got] = co_await up->socket.async_read_some(asio::buffer(up->buffer.data() + have, up->buffer.size() - have),
                                                         asio::as_tuple(asio::use_awaitable));
    if (ec || got == 0) co_return Exchange{502, false, false, true};
    have += got;
  }
}

template <class Stream>
awaitable<bool> Session<Stream>::relayRequestBody(UpstreamConnection& up) {
  // Body bytes already read sit after the head in buf_.
  if (req_.framing == http1::BodyFraming::ContentLength) {
    uint64_t remaining = req_.contentLength;
    if (w_.options().maxRequestBody && remaining > w_.options().maxRequestBody) co_return false;
    size_t avail = static_cast<size_t>(std::min<uint64_t>(remaining, len_ - headLen_));
    if (avail) {
      auto [ec, n] = co_await asio::async_write(up.socket, asio::buffer(buf_.data() + headLen_, avail),
                                                asio::as_tuple(asio::use_awaitable));
      if (ec) co_return false;
      headLen_ += avail;
      remaining -= avail;
    }
    bodyBuf_.resize(kRelayChunk);
    while (remaining > 0) {
      // Never read past this body: pipelined requests stay on the socket.
      size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, bodyBuf_.size()));
      auto [rec, n] = co_await s_.async_read_some(asio::buffer(bodyBuf_.data(), want), asio::as_tuple(asio::use_awaitable));
      if (rec || n == 0) co_return false;
      auto [wec, wn] = co_await asio::async_write(up.socket, asio::buffer(bodyBuf_.data(), n), asio::as_tuple(asio::use_awaitable));
      if (wec) co_return false;
      remaining -= n;
    }
    bodyConsumed_ = true;
    co_return true;
  }
  // Chunked: validated by the decoder and passed through as sent (the
  // upstream speaks HTTP/1.1, so chunked framing is kept).
  http1::ChunkedDecoder dec;
  std::vector<std::string_view> data;
  uint64_t total = 0;
  for (;;) {
    if (len_ > headLen_) {
      size_t consumed = 0;
      http1::Error err;
      data.clear();
      auto r = dec.decode(std::string_view(buf_.data() + headLen_, len_ - headLen_), consumed, data, err);
      if (r == http1::Result::Error) co_return false;
      for (auto d : data) total += d.size();
      if (w_.options().maxRequestBody && total > w_.options().maxRequestBody) co_return false;
      if (consumed) {
        auto [ec, n] = co_await asio::async_write(up.socket, asio::buffer(buf_.data() + headLen_, consumed),
                                                  asio::as_tuple(asio::use_awaitable));
        if (ec) co_return false;
        headLen_ += consumed;
      }
      if (r == http1::Result::Done) {
        bodyConsumed_ = true;
        co_return true;
      }
    }
    // Compact (the head is no longer needed) and read more.
    std::memmove(buf_.data(), buf_.data() + headLen_, len_ - headLen_);
    len_ -= headLen_;
    headLen_ = 0;
    if (len_ == buf_.size()) co_return false;
    auto [ec, n] = co_await s_.async_read_some(asio::buffer(buf_.data() + len_, buf_.size() - len_),
                                               asio::as_tuple(asio::use_awaitable));
    if (ec || n == 0) co_return false;
    len_ += n;
  }
}

template <class Stream>
awaitable<bool> Session<Stream>::relayResponseBody(UpstreamConnection& up, const http1::ResponseHead& head,
                                                   bool chunkedToClient, bool& upstreamReusable) {
  std::string& b = up.buffer;
  auto readMore = [&](size_t keep) -> awaitable<size_t> {
    b.resize(keep + kRelayChunk);
    auto [ec, n] = co_await up.socket.async_read_some(asio::buffer(b.data() + keep, kRelayChunk),
                                                      asio::as_tuple(asio::use_awaitable));
    b.resize(keep + (ec ? 0 : n));
    co_return ec ? 0 : n;
  };
  switch (head.framing) {
    case http1::BodyFraming::None:
      co_return true;
    case http1::BodyFraming::ContentLength: {
      uint64_t remaining = head.contentLength;
      while (remaining > 0) {
        if (b.empty() && co_await readMore(0) == 0) co_return false;
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining, b.size()));
        if (!co_await writeAll(std::string_view(b.data(), take))) co_return false;
        b.erase(0, take);
        remaining -= take;
      }
      co_return true;
    }
    case http1::BodyFraming::Chunked: {
      http1::ChunkedDecoder dec;
      std::vector<std::string_view> data;
      for (;;) {
        if (!b.empty()) {
          size_t consumed = 0;
          http1::Error err;
          data.clear();
          auto r = dec.decode(b, consumed, data, err);
          if (r == http1::Result::Error) co_return false;
          if (chunkedToClient) {
            if (consumed && !co_await writeAll(std::string_view(b.data(), consumed))) co_return false;
          } else {
            for (auto d : data) {
              if (!co_await writeAll(d)) co_return false;
            }
          }
          b.erase(0, consumed);
          if (r == http1::Result::Done) co_return true;
        }
        if (co_await readMore(b.size()) == 0) co_return false;
      }
    }
    case http1::BodyFraming::UntilClose: {
      upstreamReusable = false;
      for (;;) {
        if (!b.empty()) {
          std::string piece = chunkedToClient ? fmt::format("{:x}\r\n", b.size()) + b + "\r\n" : b;
          if (!co_await writeAll(piece)) co_return false;
          b.clear();
        }
        if (co_await readMore(0) == 0) break;
      }
      if (chunkedToClient && !co_await writeAll("0\r\n\r\n")) co_return false;
      co_return true;
    }
  }
  co_return false;
}

template <class Stream>
void Session<Stream>::startMirrors(const ir::Route& route, const std::string& upstreamHead) {
  for (const auto& m : route.filters.mirrors) {
    if (m.cluster.empty() || m.denominator <= 0) continue;
    // Sample numerator/denominator of requests (percent or fraction).
    if (static_cast<int64_t>(w_.rng() % static_cast<uint64_t>(m.denominator)) >= m.numerator) continue;
    const ir::Cluster* c = rt_->cluster(m.cluster);
    if (!c || c->endpoints.empty()) continue;
    const ir::Endpoint& ep = c->endpoints[w_.rng() % c->endpoints.size()];
    // Fire and forget: the mirror's response and failures never reach
    // the client (spec §12.10).
    asio::co_spawn(
        w_.io(),
        [&pool = w_.pool, addr = ep.address, port = ep.port, head = upstreamHead,
         timeout = w_.options().upstreamConnectTimeout]() -> awaitable<void> {
          boost::system::error_code ec;
          auto conn = co_await pool.connect(addr, port, timeout, ec);
          if (!conn) co_return;
          auto [wec, wn] = co_await asio::async_write(conn->socket, asio::buffer(head), asio::as_tuple(asio::use_awaitable));
          if (wec) co_return;
          char sink[4096];
          auto [rec, rn] = co_await conn->socket.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
          (void)rec;
          (void)rn;
        },
        asio::detached);
  }
}

template class Session<tcp::socket>;
template class Session<asio::ssl::stream<tcp::socket>>;

}  // namespace portico::dataplane
