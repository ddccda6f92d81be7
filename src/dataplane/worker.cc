#include "dataplane/worker.h"

#include "dataplane/l4_connection.h"
#include "dataplane/session.h"
#include "dataplane/udp_proxy.h"

namespace portico::dataplane {

Worker::Worker(int index, const ServerOptions& options)
    : pool(io_.get_executor(), options.upstreamIdleTimeout),
      h2pool(io_.get_executor(), options.upstreamIdleTimeout),
      rng(0x9e3779b97f4a7c15ULL ^ static_cast<uint64_t>(index) ^ std::random_device{}()),
      index_(index),
      options_(options) {
  balancer.configure(options.outlier, SessionKey::fromSecret(options.sessionSecret));
}

Worker::~Worker() {
  // Coroutine frames still suspended in io_ reference this worker: close
  // every socket so they complete, and run them to the end while the
  // worker's state is alive (members are destroyed before io_ otherwise).
  for (SessionHandle* s : std::vector<SessionHandle*>(sessions.begin(), sessions.end())) s->forceClose();
  for (auto& [key, a] : acceptors) {
    boost::system::error_code ec;
    a->close(ec);
  }
  acceptors.clear();
  for (auto& [key, u] : udpListeners) u->close();
  udpListeners.clear();
  pool.clear();
  h2pool.clear();
  stopping_ = true;
  sweepTimer_.cancel();
  io_.restart();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!sessions.empty() && std::chrono::steady_clock::now() < until)
    io_.run_for(std::chrono::milliseconds(10));
  io_.poll();
}

void Worker::run() {
  auto guard = asio::make_work_guard(io_);
  asio::co_spawn(io_, sweepLoop(), asio::detached);
  io_.run();
}

void Worker::adopt(const std::string& key, std::shared_ptr<tcp::acceptor> acceptor) {
  acceptors[key] = acceptor;
  asio::co_spawn(io_, acceptLoop(key, std::move(acceptor)), asio::detached);
}

void Worker::adoptUdp(const std::string& key, std::shared_ptr<asio::ip::udp::socket> socket) {
  auto u = std::make_shared<UdpListener>(*this, key, std::move(*socket));
  udpListeners[key] = u;
  u->start();
}

void Worker::closeAcceptor(const std::string& key) {
  if (auto u = udpListeners.find(key); u != udpListeners.end()) {
    u->second->close();
    udpListeners.erase(u);
  }
  auto it = acceptors.find(key);
  if (it == acceptors.end()) return;
  boost::system::error_code ec;
  it->second->close(ec);
  acceptors.erase(it);
}

void Worker::beginDrain() {
  draining = true;
  for (auto& [key, a] : acceptors) {
    boost::system::error_code ec;
    a->close(ec);
  }
  acceptors.clear();
  // UDP has no connection to finish: sessions end with the socket.
  for (auto& [key, u] : udpListeners) u->close();
  udpListeners.clear();
  // Copy: drain() may unregister the session.
  std::vector<SessionHandle*> live(sessions.begin(), sessions.end());
  for (SessionHandle* s : live) s->drain();
  pool.clear();
  h2pool.drain();  // streams in flight finish; no new ones
}

awaitable<void> Worker::acceptLoop(std::string key, std::shared_ptr<tcp::acceptor> acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning.
      asio::steady_timer t(io_, std::chrono::milliseconds(10));
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    if (liveConnections.load(std::memory_order_relaxed) >= options_.maxConnectionsPerWorker)
      continue;  // closes it
    boost::system::error_code ignore;
    socket.set_option(tcp::no_delay(true), ignore);
    stats.add(stats.connectionsAccepted);
    // TLS (TLSRoute) and TCP listeners: L4 connections (l4_connection.cc).
    const BindRuntime* b = runtime ? runtime->find(key) : nullptr;
    if (b && b->kind != BindKind::Http) {
      asio::co_spawn(io_, serveL4(*this, std::move(socket), key), asio::detached);
    } else {
      asio::co_spawn(io_, serveConnection(*this, std::move(socket), key), asio::detached);
    }
  }
}

awaitable<void> Worker::sweepLoop() {
  while (!stopping_) {
    sweepTimer_.expires_after(std::chrono::seconds(1));
    auto [ec] = co_await sweepTimer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || stopping_) co_return;
    pool.sweep();
    h2pool.sweep();
    balancer.prune();
  }
}

}  // namespace portico::dataplane
