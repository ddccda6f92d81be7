// Per-worker keep-alive pool of upstream HTTP/1.1 connections (h2o/Envoy
// style: on by default; a worker never shares its pool, so no locks), and
// the upstream stream both upstream pools use: TCP, or TLS over it when
// the backend has a BackendTLSPolicy (upstream_tls.h).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/asio.h"
#include "dataplane/relay_buffer.h"
#include "dataplane/upstream_tls.h"

namespace portico::dataplane {

// A connection to a backend: a TCP socket, optionally with TLS on it.
// Reads and writes go through TLS when it is on, so asio::async_write,
// async_read and the relays work on either. Not movable: the TLS layer
// refers to the socket.
class UpstreamStream {
 public:
  using executor_type = tcp::socket::executor_type;
  using lowest_layer_type = tcp::socket;

  explicit UpstreamStream(asio::any_io_executor ex) : sock_(ex) {}
  UpstreamStream(const UpstreamStream&) = delete;
  UpstreamStream& operator=(const UpstreamStream&) = delete;

  executor_type get_executor() { return sock_.get_executor(); }
  tcp::socket& tcpSocket() { return sock_; }
  bool tls() const { return tls_ != nullptr; }
  bool is_open() const { return sock_.is_open(); }
  int native_handle() { return sock_.native_handle(); }
  void close(boost::system::error_code& ec) { sock_.close(ec); }
  // TCP level: a TLS stream gets no close_notify (see tunnel.cc).
  void shutdown(tcp::socket::shutdown_type what, boost::system::error_code& ec) { sock_.shutdown(what, ec); }

  // TLS handshake for `target` on the connected socket within `timeout`:
  // SNI, ALPN (h2 required when target.h2), the client certificate, the
  // policy's verification. "" on success, otherwise the failure reason
  // (verifyFailureReason(), "alpn", "timeout" or "handshake").
  awaitable<std::string> handshake(const UpstreamTarget& target, std::chrono::milliseconds timeout);

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (tls_) {
            tls_->async_read_some(b, std::move(handler));
          } else {
            sock_.async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (tls_) {
            tls_->async_write_some(b, std::move(handler));
          } else {
            sock_.async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

 private:
  tcp::socket sock_;  // declared first: the TLS layer goes before it
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls_;
};

struct UpstreamConnection {
  explicit UpstreamConnection(asio::any_io_executor ex) : socket(ex) {}
  UpstreamStream socket;
  std::string endpoint;  // "address:port"
  std::string poolKey;   // endpoint, plus the TLS identity for TLS connections
  std::chrono::steady_clock::time_point idleSince;
  RelayBuffer buffer;   // bytes read past the previous response (normally empty)
  bool reused = false;  // served a request before (from the pool): the upstream may have closed it meanwhile
};

// A TCP connection to address:port within `timeout`, TCP_NODELAY set; on
// failure `ec` is set (timed_out when the timeout won) and the socket is
// closed. For both upstream pools (HTTP/1.1 here, HTTP/2 in h2_client.cc).
awaitable<tcp::socket> connectWithTimeout(asio::any_io_executor ex, const std::string& address, int32_t port,
                                          std::chrono::milliseconds timeout, boost::system::error_code& ec);

// Why a new upstream connection failed: the TCP connect (`ec`), or TLS
// (`tls` holds the reason label; `ec` is then clear). `handshaken`: a new
// TLS connection was made (for the handshake counter).
struct ConnectFailure {
  boost::system::error_code ec;
  std::string tls;
  bool handshaken = false;
};

// The pool key of a connection to `endpointKey` ("address:port") for
// `target`: TLS connections are reused only for the same TLS identity.
inline std::string upstreamPoolKey(const std::string& endpointKey, const UpstreamTarget& target) {
  return target.poolId.empty() ? endpointKey : endpointKey + "|" + target.poolId;
}

class UpstreamPool {
 public:
  UpstreamPool(asio::any_io_executor ex, std::chrono::milliseconds idleTimeout,
               size_t maxIdlePerEndpoint = 64)
      : ex_(ex), idleTimeout_(idleTimeout), maxIdle_(maxIdlePerEndpoint) {}

  // An idle connection under `key` (upstreamPoolKey) that is still open,
  // or null.
  std::unique_ptr<UpstreamConnection> take(const std::string& key);
  // Returns a connection whose last response ended cleanly.
  void give(std::unique_ptr<UpstreamConnection> c);
  // Closes connections idle for longer than the timeout.
  void sweep();
  void clear() { idle_.clear(); }
  size_t idleCount() const;

  // Opens a new plaintext connection with a connect timeout.
  awaitable<std::unique_ptr<UpstreamConnection>> connect(const std::string& address, int32_t port,
                                                         std::chrono::milliseconds timeout,
                                                         boost::system::error_code& ec);
  // Opens a new connection for `target`: TCP, then the TLS handshake when
  // the cluster has a BackendTLSPolicy (each phase within `timeout`). A
  // target that refuses never connects (why.tls = "invalid_policy").
  awaitable<std::unique_ptr<UpstreamConnection>> connect(const std::string& address, int32_t port,
                                                         const UpstreamTarget& target,
                                                         std::chrono::milliseconds timeout,
                                                         ConnectFailure& why);

 private:
  asio::any_io_executor ex_;
  std::chrono::milliseconds idleTimeout_;
  size_t maxIdle_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<UpstreamConnection>>> idle_;
};

}  // namespace portico::dataplane
