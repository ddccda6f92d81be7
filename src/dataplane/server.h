// The data plane as the rest of Portico sees it: give it an IR, it serves
// it. No Asio in this header (it is included by the CLI and the tests).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/outlier.h"
#include "http1/parser.h"
#include "ir/ir.h"

namespace portico::dataplane {

struct StatsSnapshot;
struct LabelledStats;

enum class AccessLogFormat { Json, Text };  // see access_log.h for both line formats

struct ServerOptions {
  int workers = 1;                        // io_context threads, one SO_REUSEPORT acceptor each per bind
  std::string listenAddress = "0.0.0.0";  // for binds without an address of their own
  size_t maxConnectionsPerWorker = 10000;
  std::chrono::milliseconds headerTimeout{10000};  // slowloris guard: time to receive a request head
  std::chrono::milliseconds idleTimeout{60000};    // keep-alive connection without a request
  // While a request is being served: the longest silence (nothing read
  // from or written to the client) before the connection is closed
  // (Envoy's stream_idle_timeout, 5 min by default). Bounded request and
  // backend times are HTTPRoute timeouts.
  std::chrono::milliseconds streamIdleTimeout{300000};
  // An upgraded connection (WebSocket and other HTTP/1.1 Upgrades, after
  // the 101), and an L4 connection (TLSRoute, TCPRoute) once spliced: the
  // longest time without a byte in either direction before both sides are
  // closed. Long, since such connections idle between
  // messages (nginx users raise proxy_read_timeout to about this).
  std::chrono::milliseconds tunnelIdleTimeout{3600000};
  // UDPRoute: a client address's session (its backend choice and
  // connected socket to the endpoint) ends after this long without a
  // datagram in either direction; the next datagram starts a new one.
  // Each worker keeps at most maxUdpSessionsPerWorker (datagrams of new
  // clients beyond it are dropped).
  std::chrono::milliseconds udpSessionIdleTimeout{60000};
  size_t maxUdpSessionsPerWorker = 10000;
  std::chrono::milliseconds upstreamConnectTimeout{5000};
  std::chrono::milliseconds upstreamIdleTimeout{30000};  // pooled upstream keep-alive connections
  uint64_t maxRequestBody = 0;                           // 0 = unlimited; otherwise 413 above it
  // Request bodies up to this size are read whole before going upstream
  // when the route retries or mirrors, so they can be sent again (Envoy's
  // per_request_buffer_limit_bytes). Larger bodies stream and are neither
  // retried nor mirrored (counted in portico_request_bodies_unbuffered_total).
  size_t requestBufferLimit = 64 * 1024;
  // Lingering close (nginx lingering_close/lingering_time): a connection
  // closed while request bytes may still be arriving is half-closed
  // (FIN after the response), then read and discarded for at most this
  // long / this many bytes, so the client reads the response instead of
  // a reset (RFC 9112 §9.6).
  std::chrono::milliseconds lingerTimeout{5000};
  uint64_t lingerMaxBytes = 1024 * 1024;
  http1::Limits limits;
  bool addVia = false;
  // Per-route request counters (one series per route and status class):
  // opt-in, since the series count then grows with the routes.
  bool routeMetrics = false;
  // Called once per finished request from worker threads; must be thread-safe.
  std::function<void(const std::string& line)> accessLog;
  AccessLogFormat accessLogFormat = AccessLogFormat::Json;
  // Passive outlier detection (docs/backend-health.md): consecutive
  // connect errors or 5xx that eject an endpoint, and the back-off.
  OutlierOptions outlier;
  // Keys session persistence values (docs/session-persistence.md):
  // replicas with the same secret honour each other's cookies. Empty = a
  // built-in key (opaque values, not secret ones).
  std::string sessionSecret;
};

// What happened to each bind of the last applied config.
struct BindResult {
  std::string address;
  int32_t port = 0;
  bool udp = false;
  bool ok = false;
  bool unsupported = false;  // a kind of listener this data plane does not serve yet
  std::string error;         // e.g. "Address already in use"
};

class Server {
 public:
  virtual ~Server() = default;

  static std::unique_ptr<Server> create(const ServerOptions& options);

  // Starts the worker threads (no binds until apply()).
  virtual void start() = 0;

  // Swaps the served config: new binds are opened, removed ones closed,
  // kept ones keep their sockets and connections. In-flight requests
  // finish on the config they started with. Thread-safe; returns once
  // every worker uses the new config.
  virtual std::vector<BindResult> apply(ir::ConfigPtr config) = 0;

  // Stops accepting, lets in-flight requests finish up to `drain`, then
  // closes everything and joins the workers.
  virtual void stop(std::chrono::milliseconds drain) = 0;

  // What the last apply() did with each bind.
  virtual std::vector<BindResult> binds() const = 0;

  // Counters summed over the workers (for /metrics).
  virtual struct StatsSnapshot stats() const = 0;
  // Requests by listener, backend and (opt-in) route, summed over workers.
  virtual struct LabelledStats labelledStats() const = 0;
};

}  // namespace portico::dataplane
