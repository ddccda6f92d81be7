// Passive outlier detection for one endpoint, as one worker sees it
// (Envoy's outlier detection, consecutive_5xx flavour): `consecutive`
// connect errors or 5xx answers in a row eject the endpoint for
// base × (ejections so far), at most `maxEjection`; it is readmitted when
// that time is over (no probe: the next request that picks it is the
// probe, and one more failure ejects it again for longer). An endpoint
// that stays admitted for `maxEjection` starts again from one ejection.
// No clock, no sockets: callers pass the time in.
#pragma once

#include <chrono>
#include <cstdint>

namespace portico::dataplane {

using OutlierClock = std::chrono::steady_clock;

struct OutlierOptions {
  uint32_t consecutiveFailures = 5;               // Envoy's consecutive_5xx default; 0 turns detection off
  std::chrono::milliseconds baseEjection{30000};  // Envoy's base_ejection_time
  std::chrono::milliseconds maxEjection{300000};  // Envoy's max_ejection_time
};

enum class EjectReason : uint8_t { None, ConnectError, Status5xx };
const char* ejectReasonName(EjectReason r);

class OutlierState {
 public:
  // A failed connect or a 5xx answer; true when it ejects the endpoint.
  // With `mayEject` false the run of failures is counted but the endpoint
  // stays (the caller's cap on how much of a cluster 5xx may take out).
  bool failure(EjectReason why, OutlierClock::time_point now, const OutlierOptions& o, bool mayEject = true);
  // An answer below 500: the run of failures is over.
  void success() { consecutive_ = 0; }
  // Back to a clean record (the ejection counter for metrics stays): the
  // failures were those of connection settings that have since changed.
  void forgive() {
    consecutive_ = 0;
    ejections_ = 0;
    reason_ = EjectReason::None;
    until_ = {};
  }

  bool ejected(OutlierClock::time_point now) const { return now < until_; }
  OutlierClock::time_point ejectedUntil() const { return until_; }
  EjectReason reason() const { return reason_; }
  uint32_t ejections() const { return ejections_; }            // current multiplier
  uint64_t totalEjections() const { return totalEjections_; }  // ever, for the counter
  uint32_t consecutiveFailures() const { return consecutive_; }

 private:
  uint32_t consecutive_ = 0;
  uint32_t ejections_ = 0;
  uint64_t totalEjections_ = 0;
  EjectReason reason_ = EjectReason::None;
  OutlierClock::time_point until_{};
};

}  // namespace portico::dataplane
