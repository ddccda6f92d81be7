// Downstream side of a connection: read and parse request heads, route,
// answer locally (errors, redirects, CORS preflights) or hand over to
// proxy() (proxy.cc); keep-alive, timeouts, drain and access log.
#include "dataplane/session.h"

#include <unistd.h>

#include <optional>

#include "dataplane/h2_connection.h"
#include "dataplane/session_impl.h"
#include "dataplane/tls_context.h"
#include "router/filters.h"

namespace portico::dataplane {

tcp::socket& lowest(tcp::socket& s) { return s; }
tcp::socket& lowest(asio::ssl::stream<tcp::socket>& s) { return s.next_layer(); }

template <class Stream>
Session<Stream>::Session(Worker& worker, Stream stream, std::string bindKey, std::string peer, bool tls)
    : w_(worker),
      s_(std::move(stream)),
      key_(std::move(bindKey)),
      peer_(std::move(peer)),
      tls_(tls),
      deadline_(worker.io()) {
  buf_.resize(kInitialBuffer);
  registration_ = w_.sessions.insert(w_.sessions.end(), this);
  // Accepted just before the drain began but started after it: the
  // drain's sweep over the sessions missed this one.
  drainRequested_ = w_.draining;
  w_.liveConnections.fetch_add(1, std::memory_order_relaxed);
}

template <class Stream>
bool Session<Stream>::growBuffer(size_t want) {
  const size_t limit = w_.options().limits.maxHeaderBytes + kStreamBuffer;
  if (buf_.size() >= limit) return false;
  buf_.resize(std::min(limit, std::max(want, buf_.size())));
  return true;
}

template <class Stream>
Session<Stream>::~Session() {
  w_.sessions.erase(registration_);
  w_.liveConnections.fetch_sub(1, std::memory_order_relaxed);
}

template <class Stream>
void Session<Stream>::drain() {
  drainRequested_ = true;
  if (idle_) closeDownstream();  // between requests: nothing is lost by closing now
}

template <class Stream>
void Session<Stream>::closeDownstream() {
  if (closed_) return;
  closed_ = true;
  if constexpr (!std::is_same_v<Stream, tcp::socket>) {
    // No close_notify is sent, but the session is sound: without this
    // OpenSSL drops it from the server cache when the SSL is freed, and
    // resumption by session ID never works.
    if (SSL_is_init_finished(s_.native_handle())) {
      SSL_set_shutdown(s_.native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    }
  }
  boost::system::error_code ec;
  lowest(s_).shutdown(tcp::socket::shutdown_both, ec);
  lowest(s_).close(ec);
  // An upgraded connection ends with its client side (idle timeout,
  // drain deadline, teardown): the upstream pump must not outlive it.
  if (tunnelUp_) tunnelUp_->socket.close(ec);
  deadline_.cancel();
}

template <class Stream>
void Session<Stream>::arm(std::chrono::milliseconds d) {
  streaming_ = false;
  deadline_.expires_after(d);
}

// The head's deadline must not cut the response short: a slow backend or
// a long download is bounded by HTTPRoute timeouts and by inactivity, not
// by the time since the request's first byte.
template <class Stream>
void Session<Stream>::armStream() {
  streaming_ = true;
  touch();
  deadline_.expires_at(activity_ + streamLimit());
}

// Closes the connection when the current phase's deadline passes (header
// read, idle keep-alive, inactivity while serving). Cheaper than racing
// every read against a timer: I/O only stores a timestamp, and the timer is
// pushed back when it fires early.
template <class Stream>
awaitable<void> Session<Stream>::watchdog() {
  while (!closed_) {
    co_await deadline_.async_wait(asio::as_tuple(asio::use_awaitable));  // woken by expiry or re-arm
    auto cs = co_await asio::this_coro::cancellation_state;
    if (closed_ || cs.cancelled() != asio::cancellation_type::none) co_return;  // the session ended
    const auto now = std::chrono::steady_clock::now();
    if (deadline_.expiry() > now) continue;  // re-armed
    if (streaming_ && activity_ + streamLimit() > now) {
      deadline_.expires_at(activity_ + streamLimit());
      continue;
    }
    closeDownstream();
    co_return;
  }
}

template <class Stream>
awaitable<bool> Session<Stream>::writeAll(std::string_view data) {
  auto [ec, n] = co_await asio::async_write(s_, asio::buffer(data.data(), data.size()),
                                            asio::as_tuple(asio::use_awaitable));
  rec_.bytesOut += n;
  touch();
  co_return !ec;
}

template <class Stream>
awaitable<bool> Session<Stream>::respond(int status, std::string_view body, bool keepAlive,
                                         const ExtraHeaders& extra) {
  countResponse(status);
  responseStarted_ = true;
  std::string out = localResponse(status, body, keepAlive, extra);
  // A response to HEAD has no content (RFC 9110 §9.3.2); the length
  // stays announced. (method_: req_'s views may be stale after a chunked
  // body moved the read buffer.)
  if (method_ == "HEAD") out.resize(out.size() - body.size());
  const bool written = co_await writeAll(out);
  co_return written ? keepAlive : false;
}

// RequestRedirect (spec §12.8), of the rule or of the chosen backendRef.
template <class Stream>
awaitable<bool> Session<Stream>::redirect(const ir::Redirect& r, bool keepAlive) {
  std::string path = r.path.kind == ir::PathRewriteKind::None ? std::string(req_.path)
                                                              : router::rewritePath(r.path, req_.path);
  std::string location =
      router::redirectLocation(r, tls_ ? "https" : "http", hostNoPort(), bind_->bind->port, path, req_.query);
  // (a named vector: GCC 12 miscompiles braced lists inside coroutines)
  ExtraHeaders extra;
  extra.emplace_back("Location", std::move(location));
  co_return co_await respond(r.statusCode, "", keepAlive, extra);
}

template <class Stream>
std::string_view Session<Stream>::hostNoPort() const {
  std::string_view h = req_.host;
  if (!h.empty() && h.front() == '[') {  // [v6]:port
    auto close = h.find(']');
    return close == std::string_view::npos ? h : h.substr(0, close + 1);
  }
  auto colon = h.rfind(':');
  return colon == std::string_view::npos ? h : h.substr(0, colon);
}

// Reads until a complete request head is parsed. False when the
// connection is done (EOF, error, timeout, or an error response sent).
template <class Stream>
awaitable<bool> Session<Stream>::readHead() {
  const auto& opts = w_.options();
  arm(len_ == 0 ? opts.idleTimeout : opts.headerTimeout);
  for (;;) {
    bool prefacePrefix = false;  // the bytes so far may be the HTTP/2 preface
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      // h2c with prior knowledge (RFC 9113 §3.3): the client preface as
      // the connection's first bytes hands it to the HTTP/2 session.
      if (firstRequest_ && len_ > 0) {
        const std::string_view seen(buf_.data(), std::min(len_, kH2Preface.size()));
        if (kH2Preface.starts_with(seen)) {
          if (seen.size() == kH2Preface.size()) {
            h2Handoff_ = true;
            co_return false;
          }
          prefacePrefix = true;
        }
      }
    }
    if (len_ > 0 && !prefacePrefix) {
      size_t consumed = 0;
      http1::Error err;
      auto r = http1::parseRequestHead(std::string_view(buf_.data(), len_), opts.limits, req_, consumed, err);
      if (r == http1::Result::Done) {
        headLen_ = consumed;
        armStream();
        co_return true;
      }
      if (r == http1::Result::Error) {
        // Strict parsing: a malformed or ambiguous request (smuggling
        // vectors included) is answered and the connection closed.
        rec_ = RequestRecord{};  // not the previous request's facts
        rec_.start = std::chrono::steady_clock::now();
        rec_.method = "-";
        method_.clear();
        co_await respond(err.status, err.message, false);
        logRequest();
        co_return false;
      }
      if (len_ == buf_.size() && !growBuffer(buf_.size() * 2)) {
        rec_ = RequestRecord{};
        rec_.start = std::chrono::steady_clock::now();
        rec_.method = "-";
        method_.clear();
        co_await respond(431, "request header section too large", false);
        logRequest();
        co_return false;
      }
    }
    auto [ec, n] = co_await s_.async_read_some(asio::buffer(buf_.data() + len_, buf_.size() - len_),
                                               asio::as_tuple(asio::use_awaitable));
    if (ec || n == 0) co_return false;
    if (len_ == 0) arm(opts.headerTimeout);  // first byte of a request: slowloris clock starts
    idle_ = false;
    len_ += n;
  }
}

// `old`'s counterpart among `bind`'s listeners (same owner, name, hostname
// and protocol), or null when it is gone.
const ir::Listener* sameListener(const ir::Listener& old, const ir::Bind& bind) {
  for (const auto& l : bind.listeners) {
    if (&l == &old) return &l;
    if (l.name == old.name && l.gatewayName == old.gatewayName &&
        l.gatewayNamespace == old.gatewayNamespace && l.listenerSet == old.listenerSet &&
        l.hostname == old.hostname && l.protocol == old.protocol) {
      return &l;
    }
  }
  return nullptr;
}

template <class Stream>
awaitable<bool> Session<Stream>::handle() {
  rt_ = w_.runtime;  // pin: this request sees one config from start to end
  bind_ = rt_ ? rt_->find(key_) : nullptr;
  rec_ = RequestRecord{};
  listener_ = nullptr;
  backendLabel_ = nullptr;
  rec_.start = std::chrono::steady_clock::now();
  rec_.method = std::string(req_.method);
  rec_.host = std::string(req_.host);
  rec_.path = std::string(req_.path);
  method_ = std::string(req_.method);
  versionMinor_ = req_.versionMinor;
  resetBody();
  responseStarted_ = false;
  if (!bind_) co_return co_await respond(503, "this listener is no longer configured", false);

  const router::RequestView view = routingView(req_);
  // A request answered here leaves its body unread on the connection:
  // keeping it open would parse that body as the next request
  // (smuggling), so such connections close after the answer.
  const bool keepAlive = req_.keepAlive && !drainRequested_ && body_.consumed;
  const ir::Listener* sni = nullptr;
  if (tls_) {
    // The router compares listeners by address: look the handshake's
    // listener up in the config this request runs on (a reload since the
    // handshake rebuilt them all).
    sni = sniListener_ ? sameListener(*sniListener_, *bind_->bind) : nullptr;
    if (!sni)
      co_return co_await respond(421, "the listener of this connection is no longer configured", false);
  }
  auto match = bind_->router->route(view, sni);
  listener_ = match.listener;
  if (match.status != 0 || !match.route) {
    int status = match.status ? match.status : 404;
    co_return co_await respond(status, status == 421 ? "misdirected request" : "no route", keepAlive);
  }
  const ir::Route& route = *match.route;
  rec_.route = route.routeNamespace + "/" + route.routeName;

  if (route.filters.cors) {
    auto c = router::evaluateCors(*route.filters.cors, view);
    if (c.kind == router::CorsKind::Preflight) co_return co_await respond(c.status, "", keepAlive, c.headers);
    corsHeaders_ = std::move(c.headers);  // added to the upstream response
  } else {
    corsHeaders_.clear();
  }
  if (route.filters.redirect) co_return co_await redirect(*route.filters.redirect, keepAlive);
  if (route.directResponseStatus) {
    co_return co_await respond(route.directResponseStatus, "this route cannot be served", keepAlive);
  }
  co_return co_await proxy(route);
}

// The watchdog runs beside the request loop and never outlives it: when
// the loop ends, `||` cancels the watchdog and waits for it.
template <class Stream>
awaitable<void> Session<Stream>::run() {
  using namespace asio::experimental::awaitable_operators;
  co_await (serveLoop() || watchdog());
}

template <class Stream>
awaitable<void> Session<Stream>::serveLoop() {
  if (drainRequested_) {
    closeDownstream();
    co_return;
  }
  if constexpr (!std::is_same_v<Stream, tcp::socket>) {
    arm(w_.options().headerTimeout);
    auto [ec] =
        co_await s_.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      closeDownstream();
      co_return;
    }
    // The contexts of the runtime the handshake ran on (the worker's may
    // have been swapped meanwhile).
    if (tlsBind_) sniListener_ = listenerOf(s_.native_handle(), *tlsBind_);
    if (alpnIsH2(s_.native_handle())) {
      h2Handoff_ = true;  // serveConnection runs the HTTP/2 session on this stream
      co_return;
    }
  }
  while (!closed_) {
    idle_ = true;
    if (drainRequested_) break;
    if (!co_await readHead()) break;
    firstRequest_ = false;
    bool keep = co_await handle();
    logRequest();
    rt_.reset();  // labels below point into it
    listener_ = nullptr;
    backendLabel_ = nullptr;
    // Drop the head (and any body bytes the exchange consumed) and keep
    // pipelined bytes that follow.
    size_t used = std::min(headLen_, len_);
    std::memmove(buf_.data(), buf_.data() + used, len_ - used);
    len_ -= used;
    headLen_ = 0;
    req_.clear();
    if (!keep) break;
  }
  if (h2Handoff_) co_return;  // the socket lives on in the HTTP/2 session
  // An answer sent while request bytes may still be arriving (an unread
  // body, pipelined requests after an error): close in stages.
  if (!closed_ && responseStarted_ && unreadInput()) co_await lingeringClose();
  closeDownstream();
}

template class Session<tcp::socket>;
template class Session<asio::ssl::stream<tcp::socket>>;

awaitable<void> serveConnection(Worker& worker, tcp::socket socket, std::string bindKey) {
  // Open until this coroutine ends: HTTP/1.1, then HTTP/2 if handed over.
  const OpenConnection counted(worker.labelled, bindKey);
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  std::string peer = ec ? std::string("-") : ep.address().to_string();
  const BindRuntime* b = worker.runtime ? worker.runtime->find(bindKey) : nullptr;
  if (b && b->tls && b->entry) {
    RuntimePtr pin = worker.runtime;  // keeps the SSL_CTX alive through the handshake
    asio::ssl::stream<tcp::socket> stream(std::move(socket), SSL_new(b->entry));
    std::optional<asio::ssl::stream<tcp::socket>> h2;
    const ir::Listener* sniListener = nullptr;
    {
      Session<asio::ssl::stream<tcp::socket>> s(worker, std::move(stream), bindKey, peer, true);
      s.tlsBind_ = b;
      co_await s.run();
      if (s.h2Handoff_ && !s.closed_) {
        h2.emplace(std::move(s.s_));
        sniListener = s.sniListener_;
      }
    }
    // ALPN chose h2: the same TLS stream, now framed by HTTP/2.
    if (h2) co_await serveH2(worker, std::move(*h2), std::move(bindKey), std::move(peer), sniListener, pin);
    co_return;
  }
  std::optional<tcp::socket> h2;
  std::string initial;
  {
    Session<tcp::socket> s(worker, std::move(socket), bindKey, peer, false);
    co_await s.run();
    if (s.h2Handoff_ && !s.closed_) {
      h2.emplace(std::move(s.s_));
      initial.assign(s.buf_.data(), s.len_);  // the preface and whatever followed it
    }
  }
  if (h2) co_await serveH2(worker, std::move(*h2), std::move(bindKey), std::move(peer), initial);
}

}  // namespace portico::dataplane
