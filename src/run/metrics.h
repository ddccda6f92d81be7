// Controller and data-plane metrics in Prometheus text format. Label sets
// are fixed (kind, condition, status code), so the series count does not
// grow with the number of routes.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "dataplane/stats.h"
#include "status/types.h"
#include "store/snapshot.h"

namespace portico::run {

class ControlMetrics {
 public:
  // One reconcile: load + translate + apply of the whole file set.
  void recordReload(bool clean, double seconds, const store::Snapshot& snap, const status::StatusSet& status);
  std::string render(const dataplane::StatsSnapshot& dp, const dataplane::LabelledStats& labelled) const;
  // Per-backend upstream latency as a histogram (13 series per backend)
  // instead of a summary (_sum and _count): --backend-latency-histograms.
  // Off by default so the series count stays small with many Services
  // (issue 8: < 2,000 series at 5,000 routes).
  bool backendHistograms = false;

 private:
  static constexpr std::array<double, 10> kBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};
  uint64_t reloadsOk_ = 0, reloadsRejected_ = 0;
  std::array<uint64_t, kBuckets.size() + 1> reconcileBuckets_{};
  double reconcileSum_ = 0;
  double lastChangeToTraffic_ = 0;
  std::map<std::string, uint64_t> objectsByKind_;
  // (kind, condition type, status) -> objects
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t> conditions_;
};

}  // namespace portico::run
