// The suite's weighted-distribution check (conformance/utils/weight,
// TestWeightedDistribution), whatever the protocol: samples sent
// concurrently, each naming the pod that answered, the share of each
// Deployment compared with its weight. Also the concurrent fan-out the
// percentage mirror reuses.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace portico::conformance {

// Runs `n` calls of `each` (given the index) over `concurrency` threads.
void fanOut(int n, int concurrency, const std::function<void(int)>& each);

// `w` is a request case's weightedDistribution object; `sample` sends one
// request and returns {error, pod}. Every sample must succeed and land on
// a listed backend (the pod name minus its last two dash-separated parts);
// the backends seen must be those with weight > 0, each within the
// tolerance. The whole run is retried up to maxAttempts times. Empty when
// it holds.
std::string weightedDistribution(const nlohmann::json& w,
                                 const std::function<std::pair<std::string, std::string>()>& sample);

}  // namespace portico::conformance
