#include "dataplane/load_balancer.h"

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

EndpointBalancer::InFlight EndpointBalancer::track(const ir::Cluster& c, const std::string& endpointKey) {
  if (c.loadBalancer != ir::LoadBalancer::LeastRequest) return InFlight();
  return InFlight(&active_[endpointKey]);
}

uint32_t EndpointBalancer::inFlight(const std::string& endpointKey) const {
  auto it = active_.find(endpointKey);
  return it == active_.end() ? 0 : it->second;
}

void EndpointBalancer::prune() {
  std::erase_if(active_, [](const auto& kv) { return kv.second == 0; });
}

}  // namespace portico::dataplane
