#include "dataplane/endpoint_report.h"

#include <algorithm>
#include <chrono>

#include "dataplane/load_balancer.h"

namespace portico::dataplane {

void collectEndpoints(const EndpointBalancer& b, const ir::Config* config, EndpointReports& into) {
  const auto now = OutlierClock::now();
  if (config) {
    for (const auto& [name, c] : config->clusters) {
      auto& byEndpoint = into[name];
      for (const auto& ep : c.endpoints) {
        EndpointReport& r = byEndpoint[endpointKey(ep)];
        r.inConfig = true;
        r.healthChecked = c.healthCheck.has_value();
      }
    }
  }
  for (const auto& [name, cs] : b.clusters()) {
    auto& byEndpoint = into[name];
    for (const auto& [key, e] : cs.endpoints) {
      EndpointReport& r = byEndpoint[key];
      r.requests += e.requests;
      r.sessions += e.sessions;
      r.ejections += e.outlier.totalEjections();
      if (e.outlier.ejected(now)) {
        ++r.workersEjected;
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(e.outlier.ejectedUntil() - now);
        r.ejectedForMs = std::max<uint64_t>(r.ejectedForMs, static_cast<uint64_t>(left.count()));
        r.reason = ejectReasonName(e.outlier.reason());
      }
      if (e.activeUnhealthy) {
        ++r.workersUnhealthy;
        r.reason = "health_check";
      }
    }
    for (auto& [key, r] : byEndpoint) r.persistent = r.persistent || cs.persistent;
  }
  for (auto& [name, byEndpoint] : into)
    for (auto& [key, r] : byEndpoint) r.inFlight += b.inFlight(key);
}

void mergeEndpoints(EndpointReports& into, const EndpointReports& from) {
  for (const auto& [name, byEndpoint] : from) {
    auto& dst = into[name];
    for (const auto& [key, r] : byEndpoint) {
      EndpointReport& d = dst[key];
      d.requests += r.requests;
      d.sessions += r.sessions;
      d.inFlight += r.inFlight;
      d.ejections += r.ejections;
      d.workersEjected += r.workersEjected;
      d.workersUnhealthy += r.workersUnhealthy;
      d.ejectedForMs = std::max(d.ejectedForMs, r.ejectedForMs);
      if (!r.reason.empty()) d.reason = r.reason;
      d.persistent = d.persistent || r.persistent;
      d.inConfig = d.inConfig || r.inConfig;
      d.healthChecked = d.healthChecked || r.healthChecked;
    }
  }
}

}  // namespace portico::dataplane
