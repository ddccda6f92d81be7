// Kubernetes-mode controller metrics (`portico run --kube`): the
// reflectors' watch restarts and relists, objects watched by kind, status
// writes and conflicts, leader state, and the time from an object change
// arriving to traffic using it. The reconcile count and duration are
// ControlMetrics' (controller-runtime names), shared with file mode.
// Thread-safe: the reconcile, status and leader threads record here.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "kube/kube_source.h"
#include "kube/status_writer.h"

namespace portico::run {

class KubeMetrics {
 public:
  // An applied configuration that contained a change noticed `seconds` ago.
  void recordChangeToTraffic(double seconds);
  void recordPublish(const kube::PublishResult& r);
  void setLeader(bool leader, bool electing);
  void recordEvents(size_t recorded, size_t failed);
  // Appended to /metrics (Prometheus text).
  std::string render(const kube::SourceStats& source, bool synced) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                      0.5,   1,    2.5,   5,    10,  30};
  mutable std::mutex mu_;
  std::array<uint64_t, kBuckets.size() + 1> changeBuckets_{};
  double changeSum_ = 0, lastChange_ = 0;
  uint64_t changes_ = 0;
  uint64_t statusWritten_ = 0, statusUnchanged_ = 0, statusConflicts_ = 0, statusFailed_ = 0;
  uint64_t eventsRecorded_ = 0, eventsFailed_ = 0;
  uint64_t leaderTransitions_ = 0;
  bool leader_ = false, electing_ = false;
};

}  // namespace portico::run
