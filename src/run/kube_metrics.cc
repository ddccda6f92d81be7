#include "run/kube_metrics.h"

#include <vector>

#include "admin/prometheus.h"

namespace portico::run {

void KubeMetrics::recordChangeToTraffic(double seconds) {
  std::lock_guard lock(mu_);
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  ++changeBuckets_[b];
  changeSum_ += seconds;
  lastChange_ = seconds;
  ++changes_;
}

void KubeMetrics::recordPublish(const kube::PublishResult& r) {
  std::lock_guard lock(mu_);
  statusWritten_ += r.written;
  statusUnchanged_ += r.unchanged;
  statusConflicts_ += r.conflicts;
  statusFailed_ += r.failed;
}

void KubeMetrics::setLeader(bool leader, bool electing) {
  std::lock_guard lock(mu_);
  if (leader != leader_) ++leaderTransitions_;
  leader_ = leader;
  electing_ = electing;
}

void KubeMetrics::recordEvents(size_t recorded, size_t failed) {
  std::lock_guard lock(mu_);
  eventsRecorded_ += recorded;
  eventsFailed_ += failed;
}

std::string KubeMetrics::render(const kube::SourceStats& source, bool synced) const {
  std::lock_guard lock(mu_);
  admin::MetricsWriter w;
  w.gauge("portico_kube_synced", "1 once every watched resource has been listed.", {}, synced ? 1 : 0);
  w.counter("portico_kube_watch_restarts_total",
            "Watches re-opened (server timeouts, closed connections, errors, 410 Gone).", {},
            static_cast<double>(source.watchRestarts));
  w.counter("portico_kube_relists_total", "Full LISTs after 410 Gone or a failed watch.", {},
            static_cast<double>(source.relists));
  w.counter("portico_kube_watch_events_total", "ADDED, MODIFIED and DELETED events applied.", {},
            static_cast<double>(source.events));
  for (const auto& [kind, n] : source.objectsByKind) {
    w.gauge("portico_kube_objects", "Objects watched, by kind (valid or not).", {{"kind", kind}},
            static_cast<double>(n));
  }
  const char* help = "Status subresource writes by result (unchanged: nothing to write).";
  w.counter("portico_kube_status_writes_total", help, {{"result", "written"}},
            static_cast<double>(statusWritten_));
  w.counter("portico_kube_status_writes_total", help, {{"result", "unchanged"}},
            static_cast<double>(statusUnchanged_));
  w.counter("portico_kube_status_writes_total", help, {{"result", "failed"}},
            static_cast<double>(statusFailed_));
  w.counter("portico_kube_status_conflicts_total",
            "409 Conflicts met writing status (each retried after a fresh read).", {},
            static_cast<double>(statusConflicts_));
  w.counter("portico_kube_events_total", "Kubernetes Events recorded, by result.", {{"result", "recorded"}},
            static_cast<double>(eventsRecorded_));
  w.counter("portico_kube_events_total", "Kubernetes Events recorded, by result.", {{"result", "failed"}},
            static_cast<double>(eventsFailed_));
  // controller-runtime's leader_election_master_status name.
  if (electing_) {
    w.gauge("leader_election_master_status", "1 when this replica holds the leader lease.",
            {{"name", "portico-controller"}}, leader_ ? 1 : 0);
  }
  w.gauge("portico_kube_leader", "1 when this replica writes status (the leader, or no election).", {},
          leader_ ? 1 : 0);
  w.counter("portico_kube_leader_transitions_total", "Times this replica became or stopped being leader.", {},
            static_cast<double>(leaderTransitions_));
  const std::vector<double> bounds(kBuckets.begin(), kBuckets.end());
  const std::vector<uint64_t> counts(changeBuckets_.begin(), changeBuckets_.end());
  w.histogram("portico_kube_change_to_traffic_seconds",
              "Time from an object change arriving from the API server to the data plane serving the "
              "configuration that includes it.",
              {}, bounds, counts, changeSum_, changes_);
  return w.str();
}

}  // namespace portico::run
