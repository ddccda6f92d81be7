// Endpoint choice inside a cluster, per worker (no locks, no Asio).
//
//   RoundRobin    a counter per cluster, endpoints in IR order.
//   LeastRequest  Envoy's LEAST_REQUEST for equal weights: sample two
//                 endpoints at random and take the one with fewer requests
//                 in flight ("power of two choices", Mitzenmacher 2001).
//                 The two samples are distinct (Envoy draws with
//                 replacement, which wastes a quarter of the choices when
//                 a Service has two endpoints); ties go to the first sample.
//
// In-flight counts are this worker's own (Envoy's are per host across
// workers; a worker sees its share of the load, which is what it can
// balance without sharing cache lines) and cover requests of
// least-request clusters only. An endpoint is "address:port", so a count
// survives a config reload that keeps the endpoint.
//
// The balancer also keeps this worker's view of each endpoint: requests,
// new sessions (session persistence) and passive outlier state
// (outlier.h). Per worker, not shared: workers share nothing, so there
// are no atomics or locks on the request path; the price is that each
// worker needs its own run of failures before it ejects an endpoint
// (at most workers × N failed requests instead of N), and the admin
// merges the workers' views by posting to them (Server::labelledStats).
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/outlier.h"
#include "dataplane/session_persistence.h"
#include "ir/ir.h"

namespace portico::dataplane {

// "address:port", the key of pooled connections and in-flight counts.
std::string endpointKey(const ir::Endpoint& ep);

// Clusters in both configs whose connection settings differ (their
// BackendTLSPolicy, their appProtocol). Their endpoints start from a clean
// outlier record, as Envoy's do when a cluster is replaced: the failures
// were the old settings', and whoever fixes a policy must not wait out an
// ejection (30 s, and longer with each one). Endpoint changes alone keep
// the record.
std::vector<std::string> clustersWithNewConnectionSettings(const ir::Config& before, const ir::Config& after);

// One endpoint as this worker sees it.
struct EndpointState {
  uint64_t requests = 0;  // requests sent to it (connected attempts)
  uint64_t sessions = 0;  // sessions started on it (session persistence)
  OutlierState outlier;
  bool activeUnhealthy = false;  // the cluster's active health check failed it (health_checker.h)
  OutlierClock::time_point lastUse{};
};

struct ClusterState {
  bool persistent = false;  // some request of the cluster used session persistence
  // Latest end of an ejection in the cluster: before it, picks check
  // each endpoint; after it, none is ejected (the common fast path).
  OutlierClock::time_point ejectedUntil{};
  uint32_t activeUnhealthy = 0;  // endpoints failed by the active health check
  // Whether some endpoint may be out at `now` (else the fast path).
  bool anyOut(OutlierClock::time_point now) const { return now < ejectedUntil || activeUnhealthy > 0; }
  std::unordered_map<std::string, EndpointState> endpoints;  // by endpointKey
};

class EndpointBalancer {
 public:
  void configure(const OutlierOptions& outlier, const SessionKey& key) {
    outlier_ = outlier;
    key_ = key;
  }
  const OutlierOptions& outlierOptions() const { return outlier_; }
  const SessionKey& sessionKey() const { return key_; }

  // Index into `c.endpoints` (which must not be empty) for a new request.
  size_t pick(const ir::Cluster& c, std::mt19937_64& rng);
  // The same among endpoints not ejected at `now`; nullopt when all are.
  std::optional<size_t> pickAdmitted(const ir::Cluster& c, std::mt19937_64& rng,
                                     OutlierClock::time_point now);
  bool ejected(const ir::Cluster& c, size_t index, OutlierClock::time_point now) const;

  EndpointState& endpoint(const ir::Cluster& c, const std::string& endpointKey);
  ClusterState& clusterState(const std::string& cluster) { return clusters_[cluster]; }
  // The outcome of one attempt on an endpoint of `c`: `failure` is the
  // connect error or 5xx, EjectReason::None an answer below 500. True when
  // it ejected the endpoint.
  bool report(const ir::Cluster& c, const std::string& endpointKey, EjectReason failure,
              OutlierClock::time_point now);
  const std::unordered_map<std::string, ClusterState>& clusters() const { return clusters_; }
  // The endpoints of `clusters` start from a clean outlier record
  // (clustersWithNewConnectionSettings).
  void forgive(const std::vector<std::string>& clusters);
  // The active health check's verdict on an endpoint (posted to every
  // worker by the one checker).
  void setActiveHealth(const std::string& cluster, const std::string& endpointKey, bool healthy);

  // Counts one request in flight to `endpointKey` while alive.
  class InFlight {
   public:
    InFlight() = default;
    explicit InFlight(uint32_t* count) : count_(count) { ++*count_; }
    InFlight(InFlight&& o) noexcept : count_(o.count_) { o.count_ = nullptr; }
    InFlight& operator=(InFlight&& o) noexcept {
      if (this != &o) {
        release();
        count_ = o.count_;
        o.count_ = nullptr;
      }
      return *this;
    }
    ~InFlight() { release(); }
    void release() {
      if (count_) --*count_;
      count_ = nullptr;
    }

   private:
    uint32_t* count_ = nullptr;
  };
  // Tracks the request when `c` balances by least request; a no-op
  // otherwise.
  InFlight track(const ir::Cluster& c, const std::string& endpointKey);

  uint32_t inFlight(const std::string& endpointKey) const;
  // Forgets endpoints with nothing in flight (the worker's periodic sweep:
  // the map stays as small as the set of busy endpoints), and endpoint
  // states unused for kForgetAfter that are not ejected (endpoints gone
  // with their Pods).
  void prune() { prune(OutlierClock::now()); }
  void prune(OutlierClock::time_point now);
  static constexpr std::chrono::minutes kForgetAfter{15};

 private:
  OutlierOptions outlier_;
  SessionKey key_ = SessionKey::fromSecret("");
  std::unordered_map<std::string, ClusterState> clusters_;  // by cluster name
  std::unordered_map<std::string, uint64_t> roundRobin_;    // by cluster name
  std::unordered_map<std::string, uint32_t> active_;        // by endpoint key; node addresses are stable
};

}  // namespace portico::dataplane
