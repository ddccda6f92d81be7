#include "conformance/weighted_distribution.h"

#include <fmt/format.h>

#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "conformance/comparator.h"

namespace portico::conformance {

void fanOut(int n, int concurrency, const std::function<void(int)>& each) {
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < concurrency; ++i) {
    threads.emplace_back([&] {
      for (int k; (k = next.fetch_add(1)) < n;) each(k);
    });
  }
  for (auto& th : threads) th.join();
}

std::string weightedDistribution(const nlohmann::json& w,
                                 const std::function<std::pair<std::string, std::string>()>& sample) {
  const int total = w.value("totalRequests", 500), conc = w.value("concurrency", 10);
  const double tol = w.value("tolerance", 0.05);
  std::string last;
  for (int attempt = 0; attempt < w.value("maxAttempts", 10); ++attempt) {
    std::mutex mu;
    std::map<std::string, int> seen;
    std::string failure;
    fanOut(total, conc, [&](int) {
      auto [e, pod] = sample();
      std::lock_guard lock(mu);
      if (!e.empty()) {
        failure = e;
        return;
      }
      ++seen[deploymentOfPod(pod)];
    });
    if (!failure.empty()) return "weighted request failed: " + failure;
    last.clear();
    int expectedBackends = 0;
    for (const auto& [name, weight] : w["weights"].items()) {
      const double want = weight.get<double>();
      if (want > 0) ++expectedBackends;
      const double got = seen.count(name) ? static_cast<double>(seen[name]) / total : 0.0;
      if (std::abs(got - want) > tol) last += fmt::format("{}: {:.3f} want {:.2f}; ", name, got, want);
    }
    for (const auto& [name, n] : seen) {
      if (!w["weights"].contains(name)) last += fmt::format("unexpected backend {} ({}); ", name, n);
    }
    if (static_cast<int>(seen.size()) != expectedBackends)
      last += fmt::format("{} backends answered, want {}; ", seen.size(), expectedBackends);
    if (last.empty()) return {};
  }
  return "weights off after every attempt: " + last;
}

}  // namespace portico::conformance
