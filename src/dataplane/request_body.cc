// The request body on its way upstream. By default it streams through a
// bounded buffer (back-pressure, no buffering). When the route retries or
// mirrors, a body up to ServerOptions::requestBufferLimit is read whole
// first (Envoy's per_request_buffer_limit_bytes), so every attempt and
// every mirror can send it; a longer one streams and cannot go again.
// Body bytes that arrived with the head sit after it in buf_; reads never
// go past the body, so pipelined requests stay on the socket.
#include "dataplane/body_relay.h"
#include "dataplane/session_impl.h"

namespace portico::dataplane {

template <class Stream>
void Session<Stream>::resetBody() {
  // Content-Length: 0 is no body at all.
  body_.present = req_.framing == http1::BodyFraming::Chunked ||
                  (req_.framing == http1::BodyFraming::ContentLength && req_.contentLength > 0);
  body_.consumed = !body_.present;
  body_.started = false;
  body_.whole = false;
  body_.continueSent = false;
  body_.remaining = req_.framing == http1::BodyFraming::ContentLength ? req_.contentLength : 0;
  body_.decoded = 0;
  body_.chunked.reset();
  body_.held.reset();
}

// RFC 9110 §10.1.1: the client waits for 100 (Continue) before sending
// the body; the proxy answers Expect itself, once.
template <class Stream>
awaitable<bool> Session<Stream>::sendContinue() {
  if (!req_.expectContinue || body_.continueSent) co_return true;
  body_.continueSent = true;
  co_return co_await writeAll("HTTP/1.1 100 Continue\r\n\r\n");
}

template <class Stream>
awaitable<typename Session<Stream>::BodyResult> Session<Stream>::bufferBody(size_t limit) {
  if (!body_.present || body_.consumed) co_return BodyResult::Ok;
  if (req_.framing == http1::BodyFraming::ContentLength && body_.remaining > limit) {
    co_return BodyResult::Ok;  // known too long: it will stream
  }
  if (!co_await sendContinue()) co_return BodyResult::ClientFailed;
  // A chunked prefix held before (a smaller limit outgrown) is continued.
  if (!body_.held) body_.held = std::make_shared<std::string>();
  if (req_.framing == http1::BodyFraming::ContentLength) {
    std::string& held = *body_.held;
    held.reserve(static_cast<size_t>(body_.remaining));
    size_t avail = static_cast<size_t>(std::min<uint64_t>(body_.remaining, len_ - headLen_));
    held.append(buf_.data() + headLen_, avail);
    headLen_ += avail;
    body_.remaining -= avail;
    while (body_.remaining > 0) {
      const size_t at = held.size();
      held.resize(at + static_cast<size_t>(body_.remaining));
      auto [ec, n] = co_await s_.async_read_some(asio::buffer(held.data() + at, held.size() - at),
                                                 asio::as_tuple(asio::use_awaitable));
      touch();
      held.resize(at + (ec ? 0 : n));
      if (ec || n == 0) co_return BodyResult::ClientFailed;
      body_.remaining -= n;
    }
    body_.consumed = body_.whole = true;
    co_return BodyResult::Ok;
  }
  co_return co_await pumpChunked(nullptr, limit);
}

// The held bytes (whole body or prefix), then whatever the client has not
// sent yet.
template <class Stream>
awaitable<typename Session<Stream>::BodyResult> Session<Stream>::sendBody(UpstreamConnection& up) {
  if (!body_.present) co_return BodyResult::Ok;
  if (!body_.whole) body_.started = true;
  if (body_.held && !body_.held->empty()) {
    auto [ec, n] =
        co_await asio::async_write(up.socket, asio::buffer(*body_.held), asio::as_tuple(asio::use_awaitable));
    if (ec) co_return BodyResult::UpstreamFailed;
  }
  if (body_.consumed) co_return BodyResult::Ok;
  if (!co_await sendContinue()) co_return BodyResult::ClientFailed;
  co_return co_await relayBody(up);
}

template <class Stream>
awaitable<typename Session<Stream>::BodyResult> Session<Stream>::relayBody(UpstreamConnection& up) {
  if (req_.framing == http1::BodyFraming::ContentLength) {
    size_t avail = static_cast<size_t>(std::min<uint64_t>(body_.remaining, len_ - headLen_));
    if (avail) {
      auto [ec, n] = co_await asio::async_write(up.socket, asio::buffer(buf_.data() + headLen_, avail),
                                                asio::as_tuple(asio::use_awaitable));
      if (ec) co_return BodyResult::UpstreamFailed;
      headLen_ += avail;
      body_.remaining -= avail;
    }
    relayBuf_.resize(kRelayChunk);
    while (body_.remaining > 0) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(body_.remaining, relayBuf_.size()));
      auto [rec, n] = co_await s_.async_read_some(asio::buffer(relayBuf_.data(), want),
                                                  asio::as_tuple(asio::use_awaitable));
      touch();
      if (rec || n == 0) co_return BodyResult::ClientFailed;
      body_.remaining -= n;
      auto [wec, wn] = co_await asio::async_write(up.socket, asio::buffer(relayBuf_.data(), n),
                                                  asio::as_tuple(asio::use_awaitable));
      if (wec) co_return BodyResult::UpstreamFailed;
    }
    body_.consumed = true;
    co_return BodyResult::Ok;
  }
  co_return co_await pumpChunked(&up, 0);
}

// A chunked body, validated by the decoder and kept as sent (the upstream
// speaks HTTP/1.1, so the framing stays chunked): written to `up`, or,
// without one, appended to body_.held until it holds more than `limit`.
template <class Stream>
awaitable<typename Session<Stream>::BodyResult> Session<Stream>::pumpChunked(UpstreamConnection* up,
                                                                             size_t limit) {
  std::vector<std::string_view> data;
  const uint64_t maxBody = w_.options().maxRequestBody;
  for (;;) {
    if (len_ > headLen_) {
      size_t consumed = 0;
      http1::Error err;
      data.clear();
      auto r = body_.chunked.decode(std::string_view(buf_.data() + headLen_, len_ - headLen_), consumed, data,
                                    err);
      if (r == http1::Result::Error) co_return BodyResult::ClientFailed;
      for (auto d : data) body_.decoded += d.size();
      if (maxBody && body_.decoded > maxBody) co_return BodyResult::TooLarge;
      if (consumed && up) {
        auto [ec, n] = co_await asio::async_write(up->socket, asio::buffer(buf_.data() + headLen_, consumed),
                                                  asio::as_tuple(asio::use_awaitable));
        if (ec) co_return BodyResult::UpstreamFailed;
      } else if (consumed) {
        body_.held->append(buf_.data() + headLen_, consumed);
      }
      headLen_ += consumed;
      if (r == http1::Result::Done) {
        body_.consumed = true;
        body_.whole = !up;
        co_return BodyResult::Ok;
      }
      if (!up && body_.held->size() > limit) co_return BodyResult::Ok;  // outgrew the limit: the rest streams
    }
    // Compact (req_'s views go stale: the upstream head is built already)
    // and read more.
    std::memmove(buf_.data(), buf_.data() + headLen_, len_ - headLen_);
    len_ -= headLen_;
    headLen_ = 0;
    if (buf_.size() < kStreamBuffer) growBuffer(kStreamBuffer);
    if (len_ == buf_.size() && !growBuffer(buf_.size() * 2))
      co_return BodyResult::ClientFailed;  // a chunk line longer than the largest buffer
    auto [ec, n] = co_await s_.async_read_some(asio::buffer(buf_.data() + len_, buf_.size() - len_),
                                               asio::as_tuple(asio::use_awaitable));
    touch();
    if (ec || n == 0) co_return BodyResult::ClientFailed;
    len_ += n;
  }
}

template class Session<tcp::socket>;
template class Session<asio::ssl::stream<tcp::socket>>;

}  // namespace portico::dataplane
