// One request's way through a cluster's endpoints, shared by the three
// places that connect upstream (exchange.cc, h2_stream_h1.cc,
// h2_upstream.cc): the session's endpoint first when its value names a
// live, admitted endpoint (GEP-1619), otherwise the balancer's choice
// among endpoints not ejected; a connect failure moves to the next
// admitted endpoint (three at most); the outcome feeds outlier detection
// and the per-endpoint counters; and the response learns the session
// field to send (a new session, a re-pinned one, or a refreshed idle
// time). No sockets; times are taken once, or injected by tests.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dataplane/load_balancer.h"

namespace portico::dataplane {

using ExtraFields = std::vector<std::pair<std::string, std::string>>;

// The rule's sessionPersistence, else the Service's (XBackendTrafficPolicy):
// a route rule's own wins.
const ir::SessionPersistence* sessionPersistenceFor(const ir::Route& route, const ir::Cluster& cluster);

// Replaces any field named like `f` in `extra` (the per-request response
// fields every response path appends: CORS and the session field), so
// a retried attempt's field replaces the earlier one's.
void putResponseField(ExtraFields& extra, std::pair<std::string, std::string> f);

struct AttemptClock {
  OutlierClock::time_point steady = OutlierClock::now();
  uint64_t wallMs = 0;  // 0 = the system clock now
  // Tests: outcomes are reported at `steady` too (otherwise at the time
  // they happen, so a slow failure does not shorten its ejection).
  bool fixed = false;
  OutlierClock::time_point outcomeTime() const { return fixed ? steady : OutlierClock::now(); }
};

class EndpointAttempt {
 public:
  EndpointAttempt(EndpointBalancer& b, std::mt19937_64& rng, const ir::Cluster& c,
                  const ir::SessionPersistence* sp, std::optional<std::string_view> sessionValue,
                  AttemptClock clock = {});

  // Every endpoint is ejected: answer 503 without connecting.
  bool allEjected() const { return allEjected_; }
  // The next endpoint to connect to (counted in flight for least-request
  // clusters); nullptr when none is left to try.
  const ir::Endpoint* next();
  size_t index() const { return current_; }
  const std::string& key() const { return key_; }
  // The session request named a live endpoint that was tried first.
  bool pinned() const { return pinned_.has_value(); }

  void connectFailed();
  // Connected to the current endpoint: counts the request (and a new
  // session). Returns the response field to send, if any.
  std::optional<std::pair<std::string, std::string>> connected();
  // The answer's status (0: none came): 5xx and none count as failures.
  void answered(int status);

 private:
  EndpointBalancer& b_;
  const ir::Cluster& c_;
  const ir::SessionPersistence* sp_;
  AttemptClock clock_;
  std::optional<SessionToken> token_;  // the request's live session
  std::optional<size_t> pinned_;       // its endpoint's index
  size_t first_ = 0;
  size_t current_ = 0;
  size_t tried_ = 0;
  size_t scanned_ = 0;
  bool allEjected_ = false;
  std::string key_;
  EndpointBalancer::InFlight inFlight_;
};

}  // namespace portico::dataplane
