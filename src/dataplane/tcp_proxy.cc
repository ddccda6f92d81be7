#include "dataplane/tcp_proxy.h"

#include <array>
#include <type_traits>

#include "dataplane/upstream_pool.h"

namespace portico::dataplane {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kChunk = 16 * 1024;

bool endOfStream(const boost::system::error_code& ec) {
  // Under TLS a FIN without close_notify shows as stream_truncated: still
  // the end of what the client sends.
  return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

template <class Stream>
class Splice {
 public:
  Splice(Worker& w, Stream& c, tcp::socket& u, std::chrono::milliseconds idle)
      : w_(w), c_(c), u_(u), idle_(idle), timer_(w.io()) {}

  awaitable<SpliceBytes> run() {
    using namespace asio::experimental::awaitable_operators;
    last_ = Clock::now();
    co_await ((clientToUpstream() && upstreamToClient()) || watchdog());
    closeBoth();
    co_return bytes_;
  }

 private:
  void closeBoth() {
    closed_ = true;
    boost::system::error_code ignore;
    c_.lowest_layer().close(ignore);
    u_.close(ignore);
  }

  awaitable<void> clientToUpstream() {
    std::array<char, kChunk> buf;
    for (;;) {
      auto [ec, n] = co_await c_.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
      if (n > 0) {
        last_ = Clock::now();
        auto [wec, wn] =
            co_await asio::async_write(u_, asio::buffer(buf.data(), n), asio::as_tuple(asio::use_awaitable));
        if (wec) break;
        bytes_.fromClient += n;
        w_.stats.add(w_.stats.l4BytesIn, n);
        last_ = Clock::now();
        continue;
      }
      if (closed_) co_return;
      if (endOfStream(ec) || !ec) {
        // The client is done sending; the backend may still answer.
        boost::system::error_code ignore;
        u_.shutdown(tcp::socket::shutdown_send, ignore);
        co_return;
      }
      break;
    }
    closeBoth();
  }

  awaitable<void> upstreamToClient() {
    std::array<char, kChunk> buf;
    for (;;) {
      auto [ec, n] = co_await u_.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
      if (n > 0) {
        last_ = Clock::now();
        auto [wec, wn] =
            co_await asio::async_write(c_, asio::buffer(buf.data(), n), asio::as_tuple(asio::use_awaitable));
        if (wec) break;
        bytes_.toClient += n;
        w_.stats.add(w_.stats.l4BytesOut, n);
        last_ = Clock::now();
        continue;
      }
      if (closed_) co_return;
      if (ec == asio::error::eof || !ec) {
        if constexpr (std::is_same_v<Stream, tcp::socket>) {
          boost::system::error_code ignore;
          c_.shutdown(tcp::socket::shutdown_send, ignore);
          co_return;
        }
      }
      break;
    }
    closeBoth();
  }

  // Closes both sides after `idle_` without a byte in either direction.
  awaitable<void> watchdog() {
    for (;;) {
      timer_.expires_at(last_ + idle_);
      auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec || closed_) co_return;  // cancelled: both directions ended
      if (Clock::now() >= last_ + idle_) {
        closeBoth();
        co_return;
      }
    }
  }

  Worker& w_;
  Stream& c_;
  tcp::socket& u_;
  std::chrono::milliseconds idle_;
  asio::steady_timer timer_;
  Clock::time_point last_;
  bool closed_ = false;
  SpliceBytes bytes_;
};

}  // namespace

awaitable<std::optional<tcp::socket>> connectL4(Worker& w, const ir::Cluster& cluster, const bool& closing) {
  const size_t n = cluster.endpoints.size();
  if (n == 0) co_return std::nullopt;
  const size_t first = w.balancer.pick(cluster, w.rng);
  for (size_t tries = 0; tries < std::min<size_t>(n, 3) && !closing; ++tries) {
    const ir::Endpoint& ep = cluster.endpoints[(first + tries) % n];
    boost::system::error_code ec;
    tcp::socket s = co_await connectWithTimeout(w.io().get_executor(), ep.address, ep.port,
                                                w.options().upstreamConnectTimeout, ec);
    if (!ec && s.is_open()) co_return std::optional<tcp::socket>(std::move(s));
    w.countConnectError(cluster.name);
    w.stats.add(w.stats.l4ConnectErrors);
  }
  co_return std::nullopt;
}

template <class Stream>
awaitable<SpliceBytes> splice(Worker& w, Stream& client, tcp::socket& upstream,
                              std::chrono::milliseconds idle) {
  Splice<Stream> s(w, client, upstream, idle);
  co_return co_await s.run();
}

template awaitable<SpliceBytes> splice(Worker&, tcp::socket&, tcp::socket&, std::chrono::milliseconds);
template awaitable<SpliceBytes> splice(Worker&, asio::ssl::stream<tcp::socket>&, tcp::socket&,
                                       std::chrono::milliseconds);

}  // namespace portico::dataplane
