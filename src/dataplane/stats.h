// Data-plane counters. Each worker owns one WorkerStats and is its only
// writer (relaxed atomics, no locks, no shared cache lines between
// workers); the admin server sums them when scraped. The label sets are
// fixed, so the series count does not grow with routes.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "dataplane/endpoint_report.h"

namespace portico::dataplane {

// Request latency buckets in seconds (Prometheus `le`), +Inf implied.
inline constexpr std::array<double, 12> kLatencyBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                           0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

// Index of the bucket `seconds` falls in (kLatencyBuckets.size() = +Inf).
size_t latencyBucket(double seconds);

// The protocol a request came in on (portico_requests_by_protocol_total):
// HTTP/1.1, HTTP/2, and gRPC (HTTP/2 with content-type application/grpc).
enum class RequestProtocol : uint8_t { Http1 = 0, Http2 = 1, Grpc = 2 };
inline constexpr std::array<const char*, 3> kRequestProtocolNames = {"http/1.1", "http/2", "grpc"};

struct alignas(64) WorkerStats {
  std::array<std::atomic<uint64_t>, 600> requestsByCode{};  // index = status code (< 600)
  std::array<std::atomic<uint64_t>, kLatencyBuckets.size() + 1> latency{};
  std::atomic<uint64_t> latencyMicrosSum{0};
  std::array<std::atomic<uint64_t>, kRequestProtocolNames.size()> requestsByProtocol{};
  std::atomic<uint64_t> upstreamConnectErrors{0};
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> staleReplays{0};      // sent again after a pooled connection turned out closed
  std::atomic<uint64_t> bodiesUnbuffered{0};  // bodies too large to retry or mirror
  std::atomic<uint64_t> lingeringCloses{0};
  std::atomic<uint64_t> connectionsAccepted{0};
  std::atomic<uint64_t> upgradedConnections{0};  // 101 relayed: the connection became a tunnel
  std::atomic<uint64_t> activeTunnels{0};        // of those, still open (a gauge)
  // L4 listeners (TLSRoute, TCPRoute, UDPRoute).
  std::atomic<uint64_t> l4ConnectionsAccepted{0};  // TLS and TCP listeners
  std::atomic<uint64_t> l4ActiveConnections{0};    // a gauge
  std::atomic<uint64_t> l4Refused{0};        // closed without a backend: no SNI, no route, invalid share
  std::atomic<uint64_t> l4ConnectErrors{0};  // failed connects to L4 backends (also in upstreamConnectErrors)
  std::atomic<uint64_t> l4BytesIn{0};        // from clients to backends (TCP payload, UDP datagrams)
  std::atomic<uint64_t> l4BytesOut{0};       // from backends to clients
  std::atomic<uint64_t> udpSessionsActive{0};    // a gauge
  std::atomic<uint64_t> udpDatagramsIn{0};       // client -> backend, forwarded
  std::atomic<uint64_t> udpDatagramsOut{0};      // backend -> client, forwarded
  std::atomic<uint64_t> udpDatagramsDropped{0};  // no backend, session limit, or a full socket buffer

  void add(std::atomic<uint64_t>& c, uint64_t v = 1) {
    c.store(c.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
  }
  void sub(std::atomic<uint64_t>& c, uint64_t v = 1) {
    c.store(c.load(std::memory_order_relaxed) - v, std::memory_order_relaxed);
  }
  void observe(int status, double seconds);
};

// Requests by status class (index = status / 100, 1..5) under a label
// such as "namespace/gateway/listener". Worker-local maps (plain, not
// atomic): the admin collects them by posting to each worker.
using ClassCounts = std::array<uint64_t, 6>;
using LabelledCounts = std::unordered_map<std::string, ClassCounts>;

// A latency histogram over kLatencyBuckets (per bucket, not cumulative).
struct Histogram {
  std::array<uint64_t, kLatencyBuckets.size() + 1> buckets{};
  uint64_t count = 0;
  uint64_t micros = 0;
  void observe(double seconds);
  void merge(const Histogram& o);
};

struct LabelledStats {
  LabelledCounts byListener;  // "gatewayNamespace/gatewayName/listener"
  LabelledCounts byBackend;   // cluster "namespace/service:port"
  LabelledCounts byRoute;     // "namespace/name", only with ServerOptions::routeMetrics
  // Request latency (head to end of response, as WorkerStats::latency) by
  // route, only with ServerOptions::routeMetrics. Not a Prometheus series
  // (15 per route would swamp /metrics at 1,000 routes): the admin's
  // /traffic turns it into p50/p99 for the dashboard.
  std::unordered_map<std::string, Histogram> routeTime;
  // Open downstream connections (HTTP, HTTPS, TLS, TCP) by bind key
  // (runtime.h bindKey): a gauge, counted by OpenConnection from accept
  // to close. Per bind, not per listener: a plain HTTP connection may
  // carry requests for several listeners of its port. Entries are never
  // erased, so an OpenConnection's pointer stays valid.
  std::unordered_map<std::string, int64_t> activeConnections;
  // Envoy's upstream_rq_time by backend cluster: from the first byte of
  // the request written to the backend to the last byte of its response
  // read, for responses relayed in full. One series per cluster, like
  // byBackend.
  std::unordered_map<std::string, Histogram> upstreamTime;
  // Failed connection attempts by backend cluster (the global counter is
  // WorkerStats::upstreamConnectErrors): tells a backend that cannot be
  // reached from one that answers 5xx itself.
  std::unordered_map<std::string, uint64_t> connectErrors;
  // Upstream TLS (BackendTLSPolicy) by backend cluster: connections that
  // failed the handshake or verification, by (backend, reason)
  // (docs/backend-tls.md), and handshakes completed (a pooled connection
  // is reused without one).
  std::map<std::pair<std::string, std::string>, uint64_t> tlsErrors;
  std::unordered_map<std::string, uint64_t> tlsHandshakes;
  // Per endpoint (requests, sessions, ejections): not kept here but taken
  // from each worker's balancer when collected (Server::labelledStats).
  EndpointReports endpoints;

  // Adds another worker's counters (Server::labelledStats sums them).
  void merge(const LabelledStats& o);
};

// One open downstream connection on a bind, for
// LabelledStats::activeConnections: held by the coroutine that serves the
// connection (session.cc, l4_connection.cc). The map entry is created on
// a bind's first connection only, so the request path does not allocate.
class OpenConnection {
 public:
  OpenConnection(LabelledStats& s, const std::string& bindKey) : n_(&s.activeConnections[bindKey]) { ++*n_; }
  ~OpenConnection() { --*n_; }
  OpenConnection(const OpenConnection&) = delete;
  OpenConnection& operator=(const OpenConnection&) = delete;

 private:
  int64_t* n_;
};

// Sum over workers, as plain numbers.
struct StatsSnapshot {
  std::array<uint64_t, 600> requestsByCode{};
  std::array<uint64_t, kLatencyBuckets.size() + 1> latency{};
  double latencySecondsSum = 0;
  std::array<uint64_t, kRequestProtocolNames.size()> requestsByProtocol{};
  uint64_t requests = 0;
  uint64_t upstreamConnectErrors = 0;
  uint64_t retries = 0;
  uint64_t staleReplays = 0;
  uint64_t bodiesUnbuffered = 0;
  uint64_t lingeringCloses = 0;
  uint64_t connectionsAccepted = 0;
  uint64_t activeConnections = 0;
  uint64_t upgradedConnections = 0;
  uint64_t activeTunnels = 0;
  uint64_t l4ConnectionsAccepted = 0;
  uint64_t l4ActiveConnections = 0;
  uint64_t l4Refused = 0;
  uint64_t l4ConnectErrors = 0;
  uint64_t l4BytesIn = 0;
  uint64_t l4BytesOut = 0;
  uint64_t udpSessionsActive = 0;
  uint64_t udpDatagramsIn = 0;
  uint64_t udpDatagramsOut = 0;
  uint64_t udpDatagramsDropped = 0;
};

}  // namespace portico::dataplane
