// Relaying an upstream HTTP/1.1 response body, for HTTP/1.1 sessions
// (exchange.cc) and HTTP/2 streams (h2_stream.cc): the body is read through
// the connection's buffer, at most kRelayChunk per read, and handed to the
// caller's sink as it comes (back-pressure: the next read waits for the
// sink), never buffered whole.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dataplane/asio.h"
#include "dataplane/upstream_pool.h"
#include "http1/chunked.h"
#include "http1/codec.h"

namespace portico::dataplane {

inline constexpr size_t kRelayChunk = 64 * 1024;  // bounded buffer each way
// A Content-Length body up to this size that arrived with its head is
// sent with the head in one write instead of being relayed.
inline constexpr uint64_t kWholeBodyWithHead = 16 * 1024;

using TrailerList = std::vector<std::pair<std::string, std::string>>;

// Hands the body framed by `head` from `up` to `sink`, a callable taking a
// std::string_view and returning awaitable<bool> (false: stop). A chunked
// body goes to the sink with its chunked framing when `rawChunks` (an
// HTTP/1.1 client gets it as sent), otherwise as its data, with its
// trailers in `trailers` when given. A body that ends with the connection
// leaves `reusable` false. False when the upstream or the sink failed.
template <class Sink>
awaitable<bool> relayUpstreamBody(UpstreamConnection& up, const http1::ResponseHead& head, bool rawChunks,
                                  Sink& sink, bool& reusable, TrailerList* trailers = nullptr) {
  RelayBuffer& b = up.buffer;
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
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining, b.size()));
        if (!co_await sink(std::string_view(b.data(), take))) co_return false;
        b.consume(take);
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
          if (rawChunks) {
            if (consumed && !co_await sink(std::string_view(b.data(), consumed))) co_return false;
          } else {
            for (auto d : data) {
              if (!co_await sink(d)) co_return false;
            }
          }
          b.consume(consumed);
          if (r == http1::Result::Done) {
            if (trailers) *trailers = dec.trailers();
            co_return true;
          }
        }
        if (co_await readMore(b.size()) == 0) co_return false;
      }
    }
    case http1::BodyFraming::UntilClose: {
      reusable = false;
      for (;;) {
        if (!b.empty()) {
          if (!co_await sink(std::string_view(b))) co_return false;
          b.clear();
        }
        if (co_await readMore(0) == 0) break;
      }
      co_return true;
    }
  }
  co_return false;
}

}  // namespace portico::dataplane
