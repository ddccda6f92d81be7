#include "dataplane/outlier.h"

#include <algorithm>

namespace portico::dataplane {

const char* ejectReasonName(EjectReason r) {
  switch (r) {
    case EjectReason::ConnectError:
      return "connect_error";
    case EjectReason::Status5xx:
      return "consecutive_5xx";
    case EjectReason::None:
      break;
  }
  return "";
}

bool OutlierState::failure(EjectReason why, OutlierClock::time_point now, const OutlierOptions& o,
                           bool mayEject) {
  if (o.consecutiveFailures == 0) return false;
  // Requests that were already on their way when the endpoint was ejected
  // do not extend the ejection.
  if (ejected(now)) return false;
  if (++consecutive_ < o.consecutiveFailures || !mayEject) return false;
  consecutive_ = 0;
  // Admitted for maxEjection since the last ejection ended: a fresh start
  // (Envoy lowers its multiplier while a host stays healthy; this is the
  // simplest bounded form of it).
  if (ejections_ && now - until_ >= o.maxEjection) ejections_ = 0;
  ++ejections_;
  ++totalEjections_;
  const auto backoff = std::min<std::chrono::milliseconds>(o.baseEjection * ejections_, o.maxEjection);
  until_ = now + backoff;
  reason_ = why;
  return true;
}

}  // namespace portico::dataplane
