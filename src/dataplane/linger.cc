// Lingering close. Closing a socket whose receive queue still holds data
// makes the kernel send RST instead of FIN, and a client still sending
// (an unread request body after a 404 or 413, requests pipelined after an
// error) may then lose the response it has not read yet. RFC 9112 §9.6:
// half-close first, keep reading until the client closes, then close.
// nginx does the same (lingering_close, lingering_time); the bounds here
// are ServerOptions::lingerTimeout and lingerMaxBytes.
#include "dataplane/session_impl.h"

namespace portico::dataplane {

// Whether the client may still be sending: bytes of this request left
// unread, bytes already buffered past it, or bytes waiting in the socket
// (nginx's heuristic for lingering_close on).
template <class Stream>
bool Session<Stream>::unreadInput() {
  if (closed_) return false;
  if (!body_.consumed || len_ > 0) return true;
  boost::system::error_code ec;
  return lowest(s_).available(ec) > 0 && !ec;
}

template <class Stream>
awaitable<void> Session<Stream>::lingeringClose() {
  const auto& opts = w_.options();
  // A drain may cut the wait short: nothing more is served here.
  idle_ = true;
  if (drainRequested_ || opts.lingerTimeout.count() <= 0) co_return;
  w_.stats.add(w_.stats.lingeringCloses);
  tcp::socket& sock = lowest(s_);
  boost::system::error_code ec;
  // FIN after the response already queued. Under TLS the bytes read below
  // are discarded undecrypted: no TLS record is read or written any more.
  sock.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  arm(opts.lingerTimeout);  // the watchdog closes the socket when it passes
  uint64_t discarded = 0;
  while (!closed_ && discarded < opts.lingerMaxBytes) {
    auto [rec, n] = co_await sock.async_read_some(asio::buffer(buf_.data(), buf_.size()),
                                                  asio::as_tuple(asio::use_awaitable));
    if (rec || n == 0) break;  // the client closed (or reset): done
    discarded += n;
  }
}

template class Session<tcp::socket>;
template class Session<asio::ssl::stream<tcp::socket>>;

}  // namespace portico::dataplane
