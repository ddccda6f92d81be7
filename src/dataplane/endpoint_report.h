// Per-endpoint facts for /endpoints and the endpoint metrics: requests,
// new sessions, in-flight requests and outlier ejections, summed over the
// workers (each worker keeps its own view, load_balancer.h). No Asio.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "ir/ir.h"

namespace portico::dataplane {

class EndpointBalancer;

struct EndpointReport {
  uint64_t requests = 0;
  uint64_t sessions = 0;
  uint64_t inFlight = 0;        // least-request clusters only (others are not tracked)
  uint64_t ejections = 0;       // ever, summed over workers
  uint32_t workersEjected = 0;  // workers that eject it now
  uint64_t ejectedForMs = 0;    // longest remaining ejection
  std::string reason;  // of an ejection still running: connect_error | consecutive_5xx | health_check
  uint32_t workersUnhealthy = 0;  // workers told by the active health check that it fails
  bool persistent = false;        // its cluster uses session persistence
  bool healthChecked = false;     // its cluster has an active health check
  bool inConfig = false;          // an endpoint of the current config
};

// By cluster name, then endpoint "address:port".
using EndpointReports = std::map<std::string, std::map<std::string, EndpointReport>>;

// One worker's view, into a map of its own: every endpoint of `config`
// (when given) and every endpoint the balancer holds state for.
void collectEndpoints(const EndpointBalancer& b, const ir::Config* config, EndpointReports& into);

// Sums `from` into `into` (another worker's reports).
void mergeEndpoints(EndpointReports& into, const EndpointReports& from);

}  // namespace portico::dataplane
