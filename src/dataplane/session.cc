// Downstream side of a connection: read and parse request heads, route,
// answer locally (errors, redirects, CORS preflights) or hand over to
// proxy() in exchange.cc; keep-alive, timeouts, drain and access log.
#include <fmt/format.h>
#include <unistd.h>

#include "dataplane/session.h"
#include "dataplane/session_impl.h"
#include "dataplane/tls_context.h"
#include "router/filters.h"

namespace portico::dataplane {

tcp::socket& lowest(tcp::socket& s) { return s; }
tcp::socket& lowest(asio::ssl::stream<tcp::socket>& s) { return s.next_layer(); }

template <class Stream>
Session<Stream>::Session(Worker& worker, Stream stream, std::string bindKey, std::string peer, bool tls)
    : w_(worker), s_(std::move(stream)), key_(std::move(bindKey)), peer_(std::move(peer)), tls_(tls),
      deadline_(worker.io()) {
  buf_.resize(worker.options().limits.maxHeaderBytes + 16 * 1024);
  registration_ = w_.sessions.insert(w_.sessions.end(), this);
  // Accepted just before the drain began but started after it: the
  // drain's sweep over the sessions missed this one.
  drainRequested_ = w_.draining;
  w_.liveConnections.fetch_add(1, std::memory_order_relaxed);
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
  deadline_.cancel();
}

template <class Stream>
void Session<Stream>::arm(std::chrono::milliseconds d) {
  deadline_.expires_after(d);
}

// Closes the connection when the current phase's deadline passes (header
// read, idle keep-alive). Cheaper than racing every read against a timer.
template <class Stream>
awaitable<void> Session<Stream>::watchdog() {
  while (!closed_) {
    co_await deadline_.async_wait(asio::as_tuple(asio::use_awaitable));  // woken by expiry or re-arm
    auto cs = co_await asio::this_coro::cancellation_state;
    if (closed_ || cs.cancelled() != asio::cancellation_type::none) co_return;  // the session ended
    if (deadline_.expiry() <= std::chrono::steady_clock::now()) {
      closeDownstream();
      co_return;
    }
  }
}

template <class Stream>
awaitable<bool> Session<Stream>::writeAll(std::string_view data) {
  auto [ec, n] = co_await asio::async_write(s_, asio::buffer(data.data(), data.size()),
                                            asio::as_tuple(asio::use_awaitable));
  rec_.bytesOut += n;
  co_return !ec;
}

template <class Stream>
awaitable<bool> Session<Stream>::respond(int status, std::string_view body, bool keepAlive,
                                         const std::vector<std::pair<std::string, std::string>>& extra) {
  countResponse(status);
  responseStarted_ = true;
  std::string out = localResponse(status, body, keepAlive, extra);
  // A response to HEAD has no content (RFC 9110 §9.3.2); the length
  // stays announced.
  if (req_.method == "HEAD") out.resize(out.size() - body.size());
  bool ok = co_await writeAll(out);
  co_return ok && keepAlive;
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
    if (len_ > 0) {
      size_t consumed = 0;
      http1::Error err;
      auto r = http1::parseRequestHead(std::string_view(buf_.data(), len_), opts.limits, req_, consumed, err);
      if (r == http1::Result::Done) {
        headLen_ = consumed;
        co_return true;
      }
      if (r == http1::Result::Error) {
        // Strict parsing: a malformed or ambiguous request (smuggling
        // vectors included) is answered and the connection closed.
        rec_.method = "-";
        co_await respond(err.status, err.message, false);
        logRequest();
        co_return false;
      }
      if (len_ == buf_.size()) {
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

// Labelled counters move when the response head is about to be written,
// so a client that has its response also sees it counted.
template <class Stream>
void Session<Stream>::countResponse(int status) {
  rec_.status = status;
  const size_t cls = status >= 100 && status < 600 ? static_cast<size_t>(status / 100) : 0;
  if (rt_ && listener_) {
    auto it = rt_->listenerLabels.find(listener_);
    if (it != rt_->listenerLabels.end()) {
      auto c = w_.labelled.byListener.find(it->second);
      if (c == w_.labelled.byListener.end()) c = w_.labelled.byListener.emplace(it->second, ClassCounts{}).first;
      ++c->second[cls];
    }
  }
  if (backendLabel_) {
    auto c = w_.labelled.byBackend.find(*backendLabel_);
    if (c == w_.labelled.byBackend.end()) c = w_.labelled.byBackend.emplace(*backendLabel_, ClassCounts{}).first;
    ++c->second[cls];
  }
  if (w_.options().routeMetrics && !rec_.route.empty()) ++w_.labelled.byRoute[rec_.route][cls];
}

template <class Stream>
void Session<Stream>::logRequest() {
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - rec_.start).count();
  w_.stats.observe(rec_.status, ms / 1000.0);

  if (!w_.options().accessLog) return;
  w_.options().accessLog(fmt::format(
      R"({{"method":"{}","host":"{}","path":"{}","status":{},"duration_ms":{:.3f},"bytes":{},"route":"{}","upstream":"{}","request_id":"{}","client":"{}"}})",
      rec_.method, rec_.host, rec_.path, rec_.status, ms, rec_.bytesOut, rec_.route, rec_.upstream, rec_.requestId, peer_));
}

namespace {

// `old`'s counterpart among `bind`'s listeners (same owner, name, hostname
// and protocol), or null when it is gone.
const ir::Listener* sameListener(const ir::Listener& old, const ir::Bind& bind) {
  for (const auto& l : bind.listeners) {
    if (&l == &old) return &l;
    if (l.name == old.name && l.gatewayName == old.gatewayName && l.gatewayNamespace == old.gatewayNamespace &&
        l.listenerSet == old.listenerSet && l.hostname == old.hostname && l.protocol == old.protocol) {
      return &l;
    }
  }
  return nullptr;
}

}  // namespace

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
  responseStarted_ = false;
  if (!bind_) co_return co_await respond(503, "this listener is no longer configured", false);

  router::RequestView view;
  view.host = req_.host;
  view.path = req_.path;
  view.query = req_.query;
  view.method = req_.method;
  view.headers = std::span<const http1::Header>(req_.headers.data(), req_.headers.size());
  if (const auto* ct = http1::findHeader(req_.headers, "content-type")) view.grpc = ct->value.starts_with("application/grpc");
  // A request answered here leaves its body unread on the connection:
  // keeping it open would parse that body as the next request
  // (smuggling), so such connections close after the answer.
  const bool keepAlive = req_.keepAlive && !drainRequested_ && req_.framing == http1::BodyFraming::None;
  const ir::Listener* sni = nullptr;
  if (tls_) {
    // The router compares listeners by address: look the handshake's
    // listener up in the config this request runs on (a reload since the
    // handshake rebuilt them all).
    sni = sniListener_ ? sameListener(*sniListener_, *bind_->bind) : nullptr;
    if (!sni) co_return co_await respond(421, "the listener of this connection is no longer configured", false);
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
  if (route.filters.redirect) {
    const auto& r = *route.filters.redirect;
    std::string path = r.path.kind == ir::PathRewriteKind::None ? std::string(req_.path)
                                                               : router::rewritePath(r.path, req_.path);
    std::string location = router::redirectLocation(r, tls_ ? "https" : "http", hostNoPort(), bind_->bind->port,
                                                    path, req_.query);
    // (a named vector: GCC 12 miscompiles braced lists inside coroutines)
    std::vector<std::pair<std::string, std::string>> extra;
    extra.emplace_back("Location", std::move(location));
    co_return co_await respond(r.statusCode, "", keepAlive, extra);
  }
  if (route.directResponseStatus) {
    co_return co_await respond(route.directResponseStatus, "this route cannot be served", keepAlive);
  }
  co_return co_await proxy(route, bind_->bind->port);
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
    auto [ec] = co_await s_.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      closeDownstream();
      co_return;
    }
    // The contexts of the runtime the handshake ran on (the worker's may
    // have been swapped meanwhile).
    if (tlsBind_) sniListener_ = listenerOf(s_.native_handle(), *tlsBind_);
  }
  while (!closed_) {
    idle_ = true;
    if (drainRequested_) break;
    if (!co_await readHead()) break;
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
  closeDownstream();
}

template class Session<tcp::socket>;
template class Session<asio::ssl::stream<tcp::socket>>;

awaitable<void> serveConnection(Worker& worker, tcp::socket socket, std::string bindKey) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  std::string peer = ec ? std::string("-") : ep.address().to_string();
  const BindRuntime* b = worker.runtime ? worker.runtime->find(bindKey) : nullptr;
  if (b && b->tls && b->entry) {
    RuntimePtr pin = worker.runtime;  // keeps the SSL_CTX alive through the handshake
    asio::ssl::stream<tcp::socket> stream(std::move(socket), SSL_new(b->entry));
    Session<asio::ssl::stream<tcp::socket>> s(worker, std::move(stream), std::move(bindKey), std::move(peer), true);
    s.tlsBind_ = b;
    co_await s.run();
    co_return;
  }
  Session<tcp::socket> s(worker, std::move(socket), std::move(bindKey), std::move(peer), false);
  co_await s.run();
}

}  // namespace portico::dataplane
