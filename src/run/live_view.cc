// What the admin endpoints read from the controller: copies taken under
// its lock (the analysis then runs without it).
#include <algorithm>

#include "dataplane/stats.h"
#include "run/controller_state.h"

namespace portico::run {

std::string Controller::objectsYaml() const {
  s_->awaitHistory();  // every applied generation is recorded
  std::lock_guard lock(s_->historyMu);
  return run::objectsYaml(s_->objects);
}

std::string Controller::changesJson() const {
  s_->awaitHistory();
  std::lock_guard lock(s_->historyMu);
  return historyJson(s_->history.generations(), kHistoryGenerations);
}

LiveView Controller::liveView() const {
  LiveView v;
  std::lock_guard lock(s_->mu);
  std::lock_guard history(s_->historyMu);  // after mu: the history thread never takes mu
  v.input.snapshot = *s_->lastGood;
  v.translate = s_->translateOptions;
  v.ir = s_->ir;
  v.listenAddress = s_->options.server.listenAddress;
  auto& f = v.facts;
  f.generation = s_->generation;
  f.appliedAt = s_->appliedAt;
  f.trigger = s_->trigger;
  f.reloadsOk = s_->reloadsClean;
  f.reloadsRejected = s_->reloadsRejected;
  for (const auto& d : s_->diagnostics) {
    // Warnings stay the loader's (PD-INPUT-WARNING); errors become
    // PD-LIVE-CONFIG-REJECTED, which says what is served instead.
    if (d.severity != api::Severity::Error) {
      v.input.diagnostics.push_back(d);
      continue;
    }
    f.rejected.push_back(d);
    const std::string id = objectId(d.kind, d.namespace_, d.name);
    if (!d.name.empty() && s_->objects.count(id)) f.carried.push_back(id);
  }
  if (s_->server) {
    for (const auto& b : s_->server->binds()) {
      f.binds.push_back({b.address, b.port, b.udp, b.ok, b.unsupported, b.error});
    }
    f.upstreamConnectErrors = s_->server->stats().upstreamConnectErrors;
    const auto labelled = s_->server->labelledStats();
    for (const auto& [cluster, counts] : labelled.byBackend) {
      std::copy(counts.begin(), counts.end(), f.backendRequests[cluster].begin());
    }
    f.backendConnectErrors.insert(labelled.connectErrors.begin(), labelled.connectErrors.end());
    for (const auto& [cluster, eps] : labelled.endpoints) {
      diagnose::LiveCluster lc;
      for (const auto& [key, r] : eps) {
        if (!r.inConfig) continue;  // state kept for an endpoint that left
        lc.persistent = lc.persistent || r.persistent;
        lc.healthChecked = lc.healthChecked || r.healthChecked;
        const bool out = r.workersEjected > 0 || r.workersUnhealthy > 0;
        lc.endpoints.push_back({key, out, r.workersUnhealthy > 0 ? "health_check" : r.reason, r.ejectedForMs,
                                r.requests, r.sessions});
      }
      if (!lc.endpoints.empty()) f.clusters[cluster] = std::move(lc);
    }
  }
  return v;
}

std::string Controller::recentLog() const {
  std::lock_guard lock(s_->logMu);
  std::string out;
  for (const auto& line : s_->recentLog) out += line + "\n";
  return out;
}

}  // namespace portico::run
