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
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>

#include "ir/ir.h"

namespace portico::dataplane {

// "address:port", the key of pooled connections and in-flight counts.
std::string endpointKey(const ir::Endpoint& ep);

class EndpointBalancer {
 public:
  // Index into `c.endpoints` (which must not be empty) for a new request.
  size_t pick(const ir::Cluster& c, std::mt19937_64& rng);

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
  // the map stays as small as the set of busy endpoints).
  void prune();

 private:
  std::unordered_map<std::string, uint64_t> roundRobin_;  // by cluster name
  std::unordered_map<std::string, uint32_t> active_;      // by endpoint key; node addresses are stable
};

}  // namespace portico::dataplane
