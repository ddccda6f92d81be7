#include "dataplane/upstream_pool.h"

#include <sys/socket.h>

namespace portico::dataplane {
namespace {

// A pooled connection the server closed meanwhile reads as EOF (or has
// stray bytes): peek without blocking before reusing it.
bool stillUsable(UpstreamConnection& c) {
  char byte;
  ssize_t n = ::recv(c.socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return false;                        // orderly close
  if (n > 0) return false;                         // unsolicited data: unsafe to reuse
  return errno == EAGAIN || errno == EWOULDBLOCK;  // nothing to read: alive
}

}  // namespace

std::unique_ptr<UpstreamConnection> UpstreamPool::take(const std::string& endpoint) {
  auto it = idle_.find(endpoint);
  if (it == idle_.end()) return nullptr;
  auto& list = it->second;
  const auto now = std::chrono::steady_clock::now();
  while (!list.empty()) {
    auto c = std::move(list.back());  // most recently used first: warmest
    list.pop_back();
    if (now - c->idleSince < idleTimeout_ && stillUsable(*c)) return c;
  }
  return nullptr;
}

void UpstreamPool::give(std::unique_ptr<UpstreamConnection> c) {
  if (!c->buffer.empty() || !c->socket.is_open()) return;
  auto& list = idle_[c->poolKey.empty() ? c->endpoint : c->poolKey];
  if (list.size() >= maxIdle_) return;
  c->idleSince = std::chrono::steady_clock::now();
  c->reused = true;
  list.push_back(std::move(c));
}

void UpstreamPool::sweep() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& list = it->second;
    std::erase_if(list, [&](const std::unique_ptr<UpstreamConnection>& c) {
      return now - c->idleSince >= idleTimeout_;
    });
    it = list.empty() ? idle_.erase(it) : std::next(it);
  }
}

size_t UpstreamPool::idleCount() const {
  size_t n = 0;
  for (const auto& [k, v] : idle_) n += v.size();
  return n;
}

awaitable<tcp::socket> connectWithTimeout(asio::any_io_executor ex, const std::string& address, int32_t port,
                                          std::chrono::milliseconds timeout, boost::system::error_code& ec) {
  using namespace asio::experimental::awaitable_operators;
  tcp::socket socket(ex);
  auto ip = asio::ip::make_address(address, ec);
  if (ec) co_return socket;
  asio::steady_timer timer(ex, timeout);
  auto result = co_await (socket.async_connect(tcp::endpoint(ip, static_cast<uint16_t>(port)),
                                               asio::as_tuple(asio::use_awaitable)) ||
                          timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (result.index() == 1) {
    ec = asio::error::timed_out;
    boost::system::error_code ignore;
    socket.close(ignore);
    co_return socket;
  }
  ec = std::get<0>(std::get<0>(result));
  if (ec) co_return socket;
  boost::system::error_code ignore;
  socket.set_option(tcp::no_delay(true), ignore);
  co_return socket;
}

awaitable<std::unique_ptr<UpstreamConnection>> UpstreamPool::connect(const std::string& address, int32_t port,
                                                                     std::chrono::milliseconds timeout,
                                                                     boost::system::error_code& ec) {
  auto c = std::make_unique<UpstreamConnection>(ex_);
  c->endpoint = address + ":" + std::to_string(port);
  c->poolKey = c->endpoint;
  c->socket.tcpSocket() = co_await connectWithTimeout(ex_, address, port, timeout, ec);
  if (ec) co_return nullptr;
  co_return c;
}

awaitable<std::unique_ptr<UpstreamConnection>> UpstreamPool::connect(const std::string& address, int32_t port,
                                                                     const UpstreamTarget& target,
                                                                     std::chrono::milliseconds timeout,
                                                                     ConnectFailure& why) {
  why = ConnectFailure{};
  if (target.refuse) {
    // GEP-1897: a policy whose CA configuration is unusable fails the
    // connection; it never falls back to plaintext or to no verification.
    why.tls = "invalid_policy";
    co_return nullptr;
  }
  auto c = co_await connect(address, port, timeout, why.ec);
  if (!c) co_return nullptr;
  c->poolKey = upstreamPoolKey(c->endpoint, target);
  if (!target.tls) co_return c;
  why.tls = co_await c->socket.handshake(target, timeout);
  if (!why.tls.empty()) co_return nullptr;
  why.handshaken = true;
  co_return c;
}

}  // namespace portico::dataplane
