#include "dataplane/load_balancer.h"

#include <algorithm>
#include <vector>

namespace portico::dataplane {

std::string endpointKey(const ir::Endpoint& ep) { return ep.address + ":" + std::to_string(ep.port); }

size_t EndpointBalancer::pick(const ir::Cluster& c, std::mt19937_64& rng) {
  const size_t n = c.endpoints.size();
  if (n <= 1) return 0;
  if (c.loadBalancer == ir::LoadBalancer::LeastRequest) {
    const size_t a = static_cast<size_t>(rng() % n);
    const size_t b = (a + 1 + static_cast<size_t>(rng() % (n - 1))) % n;  // any endpoint but a
    return inFlight(endpointKey(c.endpoints[b])) < inFlight(endpointKey(c.endpoints[a])) ? b : a;
  }
  return static_cast<size_t>(roundRobin_[c.name]++ % n);
}

bool EndpointBalancer::ejected(const ir::Cluster& c, size_t index, OutlierClock::time_point now) const {
  auto cs = clusters_.find(c.name);
  if (cs == clusters_.end() || !cs->second.anyOut(now)) return false;
  auto it = cs->second.endpoints.find(endpointKey(c.endpoints[index]));
  return it != cs->second.endpoints.end() && (it->second.activeUnhealthy || it->second.outlier.ejected(now));
}

std::optional<size_t> EndpointBalancer::pickAdmitted(const ir::Cluster& c, std::mt19937_64& rng,
                                                     OutlierClock::time_point now) {
  auto cs = clusters_.find(c.name);
  if (cs == clusters_.end() || !cs->second.anyOut(now)) return pick(c, rng);  // none out
  // Some are ejected: balance over the others (rare; the small list is
  // the only allocation).
  std::vector<size_t> admitted;
  admitted.reserve(c.endpoints.size());
  for (size_t i = 0; i < c.endpoints.size(); ++i)
    if (!ejected(c, i, now)) admitted.push_back(i);
  if (admitted.empty()) return std::nullopt;
  const size_t n = admitted.size();
  if (c.loadBalancer == ir::LoadBalancer::LeastRequest && n > 1) {
    const size_t a = admitted[static_cast<size_t>(rng() % n)];
    size_t b = a;
    while (b == a) b = admitted[static_cast<size_t>(rng() % n)];
    return inFlight(endpointKey(c.endpoints[b])) < inFlight(endpointKey(c.endpoints[a])) ? b : a;
  }
  return admitted[static_cast<size_t>(roundRobin_[c.name]++ % n)];
}

EndpointState& EndpointBalancer::endpoint(const ir::Cluster& c, const std::string& endpointKey) {
  return clusters_[c.name].endpoints[endpointKey];
}

bool EndpointBalancer::report(const ir::Cluster& c, const std::string& endpointKey, EjectReason failure,
                              OutlierClock::time_point now) {
  ClusterState& cs = clusters_[c.name];
  EndpointState& e = cs.endpoints[endpointKey];
  e.lastUse = now;
  if (failure == EjectReason::None) {
    e.outlier.success();
    return false;
  }
  // 5xx answers may take out at most half of a cluster (this worker's
  // view): an application that fails every request (or the only Pod of a
  // Service) keeps answering with its own 5xx, which retries and clients
  // can act on, rather than with Portico's 503 for the back-off
  // (conformance HTTPRouteRetry expects the backend's answers; Envoy caps
  // with max_ejection_percent). Connect errors may eject every endpoint:
  // nothing answers there anyway, and a quick 503 beats a connect timeout.
  bool mayEject = true;
  if (failure == EjectReason::Status5xx) {
    size_t out = 0;
    for (size_t i = 0; i < c.endpoints.size(); ++i) out += ejected(c, i, now) ? 1 : 0;
    mayEject = (out + 1) * 2 <= c.endpoints.size();
  }
  if (!e.outlier.failure(failure, now, outlier_, mayEject)) return false;
  cs.ejectedUntil = std::max(cs.ejectedUntil, e.outlier.ejectedUntil());
  return true;
}

std::vector<std::string> clustersWithNewConnectionSettings(const ir::Config& before,
                                                           const ir::Config& after) {
  std::vector<std::string> out;
  for (const auto& [name, now] : after.clusters) {
    const auto was = before.clusters.find(name);
    if (was == before.clusters.end()) continue;
    if (was->second.tls != now.tls || was->second.appProtocol != now.appProtocol) out.push_back(name);
  }
  return out;
}

void EndpointBalancer::forgive(const std::vector<std::string>& clusters) {
  for (const auto& name : clusters) {
    const auto it = clusters_.find(name);
    if (it == clusters_.end()) continue;
    for (auto& [key, ep] : it->second.endpoints) ep.outlier.forgive();
    it->second.ejectedUntil = {};
  }
}

void EndpointBalancer::setActiveHealth(const std::string& cluster, const std::string& endpointKey,
                                       bool healthy) {
  ClusterState& cs = clusters_[cluster];
  EndpointState& e = cs.endpoints[endpointKey];
  if (e.activeUnhealthy == !healthy) return;
  e.activeUnhealthy = !healthy;
  if (healthy) {
    --cs.activeUnhealthy;
  } else {
    ++cs.activeUnhealthy;
  }
}

EndpointBalancer::InFlight EndpointBalancer::track(const ir::Cluster& c, const std::string& endpointKey) {
  if (c.loadBalancer != ir::LoadBalancer::LeastRequest) return InFlight();
  return InFlight(&active_[endpointKey]);
}

uint32_t EndpointBalancer::inFlight(const std::string& endpointKey) const {
  auto it = active_.find(endpointKey);
  return it == active_.end() ? 0 : it->second;
}

void EndpointBalancer::prune(OutlierClock::time_point now) {
  std::erase_if(active_, [](const auto& kv) { return kv.second == 0; });
  for (auto& [name, cs] : clusters_) {
    std::erase_if(cs.endpoints, [&](const auto& kv) {
      return !kv.second.outlier.ejected(now) && !kv.second.activeUnhealthy &&
             now - kv.second.lastUse > kForgetAfter;
    });
  }
  std::erase_if(clusters_, [](const auto& kv) { return kv.second.endpoints.empty(); });
}

}  // namespace portico::dataplane
