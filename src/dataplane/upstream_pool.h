// Per-worker keep-alive pool of upstream HTTP/1.1 connections (h2o/Envoy
// style: on by default; a worker never shares its pool, so no locks).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/asio.h"

namespace portico::dataplane {

struct UpstreamConnection {
  explicit UpstreamConnection(asio::any_io_executor ex) : socket(ex) {}
  tcp::socket socket;
  std::string endpoint;  // "address:port"
  std::chrono::steady_clock::time_point idleSince;
  std::string buffer;   // bytes read past the previous response (normally empty)
  bool reused = false;  // served a request before (from the pool): the upstream may have closed it meanwhile
};

// A TCP connection to address:port within `timeout`, TCP_NODELAY set; on
// failure `ec` is set (timed_out when the timeout won) and the socket is
// closed. For both upstream pools (HTTP/1.1 here, HTTP/2 in h2_client.cc).
awaitable<tcp::socket> connectWithTimeout(asio::any_io_executor ex, const std::string& address, int32_t port,
                                          std::chrono::milliseconds timeout, boost::system::error_code& ec);

class UpstreamPool {
 public:
  UpstreamPool(asio::any_io_executor ex, std::chrono::milliseconds idleTimeout,
               size_t maxIdlePerEndpoint = 64)
      : ex_(ex), idleTimeout_(idleTimeout), maxIdle_(maxIdlePerEndpoint) {}

  // An idle connection to `endpoint` that is still open, or null.
  std::unique_ptr<UpstreamConnection> take(const std::string& endpoint);
  // Returns a connection whose last response ended cleanly.
  void give(std::unique_ptr<UpstreamConnection> c);
  // Closes connections idle for longer than the timeout.
  void sweep();
  void clear() { idle_.clear(); }
  size_t idleCount() const;

  // Opens a new connection with a connect timeout.
  awaitable<std::unique_ptr<UpstreamConnection>> connect(const std::string& address, int32_t port,
                                                         std::chrono::milliseconds timeout,
                                                         boost::system::error_code& ec);

 private:
  asio::any_io_executor ex_;
  std::chrono::milliseconds idleTimeout_;
  size_t maxIdle_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<UpstreamConnection>>> idle_;
};

}  // namespace portico::dataplane
