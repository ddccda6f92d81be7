// TLSRoute and TCPRoute connections. A TLS listener's port reads the
// ClientHello without consuming it (MSG_PEEK): its server name picks the
// listener (most specific hostname first, spec §12.3) and, in it, the
// TLSRoute (l4_routing.cc). Then, by the listener's tls.mode (GEP-2643):
//   Passthrough  the backend gets the client's bytes from the first one
//                (the ClientHello is still in the socket) and answers the
//                handshake with its own certificate;
//   Terminate    Portico completes the handshake with the listener's
//                certificate and relays the plaintext;
//   an HTTPS listener on the same port (the same "TLS" transport)
//                gets the untouched connection (session.cc).
// A port with both a Passthrough and a Terminate listener (conformance
// TLSRouteModeMixed) therefore works per server name. No server name, an
// unknown one, a route whose chosen backendRef is invalid or a backend
// that cannot be reached: the connection is closed (TLSRoute has no error
// response of its own). A TCP listener's connections go to its TCPRoute.
#include "dataplane/l4_connection.h"

#include <optional>

#include "dataplane/client_hello.h"
#include "dataplane/l4_routing.h"
#include "dataplane/session.h"
#include "dataplane/tcp_proxy.h"

namespace portico::dataplane {
namespace {

using Clock = std::chrono::steady_clock;

// Resolves at `deadline`, closing `s` first so whatever waits on it ends;
// cancelled (by `||`) when the other side finished in time.
awaitable<void> closeAt(tcp::socket& s, Clock::time_point deadline) {
  asio::steady_timer t(co_await asio::this_coro::executor, deadline);
  auto [ec] = co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!ec) {
    boost::system::error_code ignore;
    s.close(ignore);
  }
}

// Peeks at the socket until the bytes hold a whole ClientHello (or cannot
// be one). The bytes stay in the socket for the backend or the TLS
// handshake. Peeking does not consume, so a socket stays readable while
// a fragmented ClientHello is incomplete: wait a little (doubling, at
// most 50 ms) before looking again instead of spinning.
awaitable<bool> peekHello(tcp::socket& s, ClientHello& hello) {
  boost::system::error_code ec;
  s.non_blocking(true, ec);
  std::string buf;
  asio::steady_timer backoff(co_await asio::this_coro::executor);
  std::chrono::milliseconds pause{1};
  size_t seen = 0;
  for (;;) {
    auto [wec] = co_await s.async_wait(tcp::socket::wait_read, asio::as_tuple(asio::use_awaitable));
    if (wec) co_return false;
    buf.resize(kMaxClientHelloWire);
    const size_t n = s.receive(asio::buffer(buf), tcp::socket::message_peek, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) continue;
    if (ec || n == 0) co_return false;  // closed before a ClientHello
    buf.resize(n);
    hello = parseClientHello(buf);
    if (hello.status == HelloStatus::Complete) co_return true;
    if (hello.status != HelloStatus::NeedMore || n >= kMaxClientHelloWire) co_return false;
    pause = n == seen ? std::min(pause * 2, std::chrono::milliseconds(50)) : std::chrono::milliseconds(1);
    seen = n;
    backoff.expires_after(pause);
    auto [tec] = co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
    if (tec) co_return false;
  }
}

// One L4 connection as the worker sees it: counted in liveConnections (a
// drain waits for it), closed by forceClose. A drain closes it only while
// it waits for its ClientHello: a spliced connection runs on until it
// ends or the drain deadline.
class L4Connection final : public SessionHandle {
 public:
  L4Connection(Worker& w, tcp::socket& client) : w_(w), client_(&client) {
    reg_ = w_.sessions.insert(w_.sessions.end(), this);
    w_.liveConnections.fetch_add(1, std::memory_order_relaxed);
  }
  ~L4Connection() override {
    w_.sessions.erase(reg_);
    w_.liveConnections.fetch_sub(1, std::memory_order_relaxed);
    if (counted_) w_.stats.sub(w_.stats.l4ActiveConnections);
  }
  L4Connection(const L4Connection&) = delete;
  L4Connection& operator=(const L4Connection&) = delete;

  void drain() override {
    if (waitingForHello_) closeAll();
  }
  void forceClose() override { closeAll(); }

  awaitable<void> serveTcp(RuntimePtr pin, const BindRuntime& b) {
    count();
    const ir::L4Route* route = nullptr;
    for (const auto& l : b.bind->listeners) {
      if (l.protocol == ir::Protocol::TCP && (route = firstL4Route(l))) break;
    }
    co_await proxy(std::move(pin), route, *client_);
  }

  // Returns the socket when the ClientHello names an HTTPS listener.
  awaitable<std::optional<tcp::socket>> sni(RuntimePtr pin, const BindRuntime& b, tcp::socket& socket) {
    using namespace asio::experimental::awaitable_operators;
    const auto deadline = Clock::now() + w_.options().headerTimeout;
    ClientHello hello;
    waitingForHello_ = true;
    auto got = co_await (peekHello(socket, hello) || closeAt(socket, deadline));
    waitingForHello_ = false;
    if (got.index() != 0 || !std::get<0>(got) || closing_) co_return std::nullopt;
    // No server name: only a hostname-less listener can take it.
    const ir::Listener* l = b.router->listenerForSni(hello.sni);
    if (!l) co_return refuse();
    if (l->protocol == ir::Protocol::HTTPS) co_return std::optional<tcp::socket>(std::move(socket));
    count();
    // A TLSRoute is chosen by the server name; without one nothing
    // matches (TLSRoute hostnames are SNI names, GEP-2643).
    const ir::L4Route* route = hello.hasSni ? routeForSni(*l, hello.sni) : nullptr;
    if (!route) co_return refuse();
    if (l->tlsPassthrough) {
      co_await proxy(std::move(pin), route, socket);
      co_return std::nullopt;
    }
    auto ctx = b.listenerCtx.find(l);
    if (ctx == b.listenerCtx.end()) co_return refuse();  // its certificate did not load
    asio::ssl::stream<tcp::socket> tls(std::move(socket), SSL_new(ctx->second.get()));
    client_ = &tls.next_layer();
    auto hs =
        co_await (tls.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable)) ||
                  closeAt(tls.next_layer(), deadline));
    if (hs.index() == 0 && !std::get<0>(std::get<0>(hs)) && !closing_)
      co_await proxy(std::move(pin), route, tls);
    closeAll();
    client_ = nullptr;  // `tls` ends here
    co_return std::nullopt;
  }

 private:
  void count() {
    counted_ = true;
    w_.stats.add(w_.stats.l4ConnectionsAccepted);
    w_.stats.add(w_.stats.l4ActiveConnections);
  }
  std::nullopt_t refuse() {
    w_.stats.add(w_.stats.l4Refused);
    closeAll();
    return std::nullopt;
  }
  void closeAll() {
    closing_ = true;
    boost::system::error_code ignore;
    if (client_) client_->close(ignore);
    if (upstream_) upstream_->close(ignore);
  }

  // Picks the backend by weight, connects and splices until both sides
  // end. The config pin is dropped once connected: a spliced connection
  // needs nothing of it, and may outlive many reloads.
  template <class Stream>
  awaitable<void> proxy(RuntimePtr pin, const ir::L4Route* route, Stream& client) {
    const ir::L4Backend* be = route ? pickL4Backend(*route, w_.rng) : nullptr;
    // An invalid backendRef keeps its weight: its share of connections is
    // refused (spec §7, "Reject" for L4 routes).
    const ir::Cluster* cluster = be && !be->cluster.empty() ? pin->cluster(be->cluster) : nullptr;
    if (!cluster) {
      refuse();
      co_return;
    }
    std::optional<tcp::socket> up = co_await connectL4(w_, *cluster, closing_);
    pin.reset();
    if (!up || closing_) {
      closeAll();
      co_return;
    }
    upstream_ = &*up;
    co_await splice(w_, client, *up, w_.options().tunnelIdleTimeout);
    closeAll();
    upstream_ = nullptr;  // `up` ends here
  }

  Worker& w_;
  tcp::socket* client_;
  tcp::socket* upstream_ = nullptr;
  std::list<SessionHandle*>::iterator reg_;
  bool counted_ = false;
  bool closing_ = false;
  bool waitingForHello_ = false;
};

}  // namespace

awaitable<void> serveL4(Worker& w, tcp::socket socket, std::string bindKey) {
  RuntimePtr pin = w.runtime;
  const BindRuntime* b = pin ? pin->find(bindKey) : nullptr;
  if (!b) co_return;
  if (b->kind == BindKind::Tcp) {
    const OpenConnection counted(w.labelled, bindKey);
    L4Connection c(w, socket);
    co_await c.serveTcp(std::move(pin), *b);
    co_return;
  }
  std::optional<tcp::socket> https;
  {
    const OpenConnection counted(w.labelled, bindKey);  // an HTTPS name: serveConnection counts it
    L4Connection c(w, socket);
    https = co_await c.sni(std::move(pin), *b, socket);
  }
  if (https) co_await serveConnection(w, std::move(*https), std::move(bindKey));
}

}  // namespace portico::dataplane
