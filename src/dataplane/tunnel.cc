// An upgraded connection: after the upstream's 101 (Switching Protocols,
// RFC 9110 §15.2.2; WebSocket's opening handshake, RFC 6455 §4) the
// connection no longer carries HTTP/1.1 (RFC 9110 §7.8), so the proxy
// relays bytes both ways, unchanged, until the sides close, as nginx does
// for `proxy_set_header Upgrade $http_upgrade`. Two pumps run side by
// side, each through one bounded buffer (back-pressure: a pump reads again
// only when its last bytes are written). A side's end of stream is passed
// on as a half-close (TCP FIN) so a protocol whose close handshake ends
// with one side's FIN (RFC 6455 §7.1.1) completes; an error on either side
// closes both. tunnelIdleTimeout bounds the silence (the watchdog, with
// streamLimit()); once a side has ended, lingerTimeout does (as HAProxy's
// `timeout client-fin`/`server-fin`): a peer that never closes its half
// does not hold the connection for the hour. A drain leaves the tunnel
// running until it closes or the drain deadline closes it.
#include "dataplane/body_relay.h"
#include "dataplane/session_impl.h"

// GCC false positive (PR middle-end/109224), as in proxy.cc.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace portico::dataplane {
namespace {

// A peer's orderly end of stream. Under TLS a FIN without close_notify
// shows as stream_truncated: still the end of what the client sends.
bool endOfStream(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

}  // namespace

template <class Stream>
awaitable<void> Session<Stream>::tunnel() {
  w_.stats.add(w_.stats.upgradedConnections);
  w_.stats.add(w_.stats.activeTunnels);
  // A tunnel may live for hours: it keeps no config alive (the response
  // was counted; the access-log facts are copies in rec_).
  rt_.reset();
  bind_ = nullptr;
  listener_ = nullptr;
  backendLabel_ = nullptr;
  tunnel_ = true;
  armStream();  // now bounded by tunnelIdleTimeout
  using namespace asio::experimental::awaitable_operators;
  co_await (pumpToUpstream() && pumpToClient());
  closeDownstream();  // both sides, with tunnelUp_
  tunnelUp_.reset();
  // Nothing of the read buffer belongs to a next request.
  len_ = 0;
  headLen_ = 0;
  w_.stats.sub(w_.stats.activeTunnels);
}

// Client to upstream, through the session's read buffer (free once the
// head was parsed).
template <class Stream>
awaitable<void> Session<Stream>::pumpToUpstream() {
  UpstreamStream& up = tunnelUp_->socket;  // TCP, or TLS for a BackendTLSPolicy
  // Bytes the client sent after its request head (a client may start
  // before the 101 arrives when its protocol allows it).
  if (len_ > headLen_) {
    auto [ec, n] = co_await asio::async_write(up, asio::buffer(buf_.data() + headLen_, len_ - headLen_),
                                              asio::as_tuple(asio::use_awaitable));
    if (ec) {
      closeDownstream();
      co_return;
    }
    touch();
  }
  len_ = headLen_ = 0;
  growBuffer(kStreamBuffer);
  while (!closed_) {
    auto [rec, n] = co_await s_.async_read_some(asio::buffer(buf_.data(), buf_.size()),
                                                asio::as_tuple(asio::use_awaitable));
    if (n > 0) {
      touch();
      auto [wec, wn] =
          co_await asio::async_write(up, asio::buffer(buf_.data(), n), asio::as_tuple(asio::use_awaitable));
      if (wec) break;
      touch();
      continue;
    }
    if (closed_) co_return;
    // Over TLS to the upstream a half-close would need close_notify
    // while the other pump reads (as downstream, below): the client's
    // end closes the tunnel.
    if ((endOfStream(rec) || !rec) && !up.tls()) {
      // The client is done sending: the upstream reads its end of stream
      // and may still answer (half-close).
      boost::system::error_code ignore;
      up.shutdown(tcp::socket::shutdown_send, ignore);
      halfClosed_ = true;
      armStream();
      co_return;
    }
    break;
  }
  closeDownstream();
}

// Upstream to client, through the upstream connection's buffer, which
// starts with any bytes that came with the 101.
template <class Stream>
awaitable<void> Session<Stream>::pumpToClient() {
  UpstreamConnection& up = *tunnelUp_;
  RelayBuffer& b = up.buffer;
  if (!b.empty() && !co_await writeAll(b)) {
    closeDownstream();
    co_return;
  }
  while (!closed_) {
    b.resize(kRelayChunk);
    auto [rec, n] = co_await up.socket.async_read_some(asio::buffer(b.data(), b.size()),
                                                       asio::as_tuple(asio::use_awaitable));
    if (n > 0) {
      touch();
      if (!co_await writeAll(std::string_view(b.data(), n))) break;
      continue;
    }
    if (closed_) co_return;
    if (endOfStream(rec) || !rec) {
      if constexpr (std::is_same_v<Stream, tcp::socket>) {
        boost::system::error_code ignore;
        lowest(s_).shutdown(tcp::socket::shutdown_send, ignore);
        halfClosed_ = true;
        armStream();
        co_return;
      } else {
        // A TLS stream cannot half-close without close_notify, and
        // sending one would need a read racing the other pump's: the
        // upstream's end closes the tunnel.
        break;
      }
    }
    break;
  }
  closeDownstream();
}

template class Session<tcp::socket>;
template class Session<asio::ssl::stream<tcp::socket>>;

}  // namespace portico::dataplane
