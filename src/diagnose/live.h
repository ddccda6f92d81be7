// What only a running Portico knows, for `portico diagnose --admin`: the
// reloads and the last one's rejected objects, the data plane's binds and
// its request counters by backend. The run loop fills it (src/run); the
// checks in live.cc turn it into PD-LIVE-* findings beside the ones the
// translator's status and IR give.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "api/diagnostic.h"

namespace portico::diagnose {

struct LiveBind {
  std::string address;
  int32_t port = 0;
  bool udp = false;
  bool ok = false;
  bool unsupported = false;
  std::string error;
};

// One endpoint of a backend cluster as the data plane sees it now
// (summed over workers): whether it is out of rotation and why, and what
// it has served.
struct LiveEndpoint {
  std::string endpoint;  // "address:port"
  bool out = false;      // ejected (outlier detection) or failing its health check on some worker
  std::string reason;    // connect_error | consecutive_5xx | health_check
  uint64_t outForMs = 0;
  uint64_t requests = 0;
  uint64_t sessions = 0;  // new persistent sessions placed on it
};

struct LiveCluster {
  bool persistent = false;              // uses session persistence
  bool healthChecked = false;           // has an active health check
  std::vector<LiveEndpoint> endpoints;  // the config's endpoints, in address order
};

struct LiveFacts {
  uint64_t generation = 0;
  std::string appliedAt;  // RFC 3339 time the generation was applied
  std::string trigger;    // "startup", "SIGHUP", "files changed"
  uint64_t reloadsOk = 0;
  uint64_t reloadsRejected = 0;
  // Errors of the current generation's load: these objects (or files) were
  // refused; `carried` says which are still served at their last good version.
  api::Diagnostics rejected;
  std::vector<std::string> carried;  // "Kind namespace/name"
  std::vector<LiveBind> binds;
  uint64_t upstreamConnectErrors = 0;  // all backends
  // Failed connection attempts by backend cluster ("namespace/service:port").
  std::map<std::string, uint64_t> backendConnectErrors;
  // Requests by backend cluster ("namespace/service:port"), index = status / 100.
  std::map<std::string, std::array<uint64_t, 6>> backendRequests;
  // Endpoint health and session spread by backend cluster (/endpoints).
  std::map<std::string, LiveCluster> clusters;
};

}  // namespace portico::diagnose
