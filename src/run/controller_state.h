// Controller internals shared by controller.cc (load, apply, lifecycle)
// and live_view.cc (what the admin endpoints read). Private to src/run.
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>

#include "admin/admin_server.h"
#include "kube/client.h"
#include "kube/events.h"
#include "kube/kube_source.h"
#include "kube/leader.h"
#include "kube/status_writer.h"
#include "run/controller.h"
#include "run/history.h"
#include "run/kube_metrics.h"
#include "run/metrics.h"
#include "run/objects.h"
#include "source/file_set.h"
#include "source/watch.h"

namespace portico::run {

// Log lines kept for /log.
inline constexpr size_t kRecentLogLines = 200;

// "2025-01-31T12:00:00Z", now.
std::string nowRfc3339();

// Kubernetes mode (kube_mode.cc). The source's client is cancelled when
// the source stops; status, lease and event writes have their own, so a
// leader still releases its lease on shutdown.
struct KubeState {
  std::unique_ptr<kube::Client> watchClient, writeClient;
  std::unique_ptr<kube::KubeSource> source;
  std::unique_ptr<kube::StatusWriter> writer;
  std::unique_ptr<kube::EventRecorder> events;
  std::unique_ptr<kube::LeaderElector> elector;
  KubeMetrics metrics;
  std::atomic<bool> leader{false};
  // The last change (source clock) already served: change-to-traffic is
  // recorded once per change. Guarded by Controller::State::mu.
  std::chrono::steady_clock::time_point servedChange{};
  // Status thread: publishes the newest status set when leader (network
  // writes never hold the controller's lock).
  std::mutex mu;
  std::condition_variable cv;
  std::optional<status::StatusSet> pending;
  bool becameLeader = false;
  bool stop = false;
  std::thread statusThread;
};

// --gateway-service: the data-plane Service's load-balancer addresses
// become status.addresses of Portico's Gateways that have no spec.addresses
// (GEP-1651: the addresses traffic reaches the Gateway on). Status only:
// the data plane keeps binding the listen address. kube_mode.cc.
void addServiceAddresses(const KubeState& kube, const RunOptions& options, const store::Snapshot& snapshot,
                         status::StatusSet& status);

// The objects of a Kubernetes-mode generation for /objects and /changes:
// the source's manifests; an object whose new version was rejected keeps
// the text of its last good version. kube_mode.cc.
ObjectTexts kubeObjectTexts(const KubeState& kube, const api::Diagnostics& diagnostics,
                            const ObjectTexts& previous);

struct Controller::State {
  RunOptions options;
  std::ostream& log;
  mutable std::mutex mu;  // control path only: reloads and admin reads
  std::mutex logMu;
  std::unique_ptr<dataplane::Server> server;
  std::unique_ptr<admin::AdminServer> adminServer;
  std::unique_ptr<source::FileWatcher> watcher;
  // File mode: decodes (and re-reads for /objects) only the files that
  // changed since the last reload.
  source::FileSetLoader files;
  // Generations are shared, immutable: the history thread still reads one
  // after the next reload has replaced it.
  std::shared_ptr<const store::Snapshot> lastGood = std::make_shared<const store::Snapshot>();
  std::shared_ptr<const translate::Result> current = std::make_shared<const translate::Result>();
  api::Diagnostics diagnostics;
  std::shared_ptr<const ir::Config> ir;
  uint64_t generation = 0;
  bool started = false;
  ControlMetrics metrics;
  // For the live troubleshooting endpoints (admin_routes.cc).
  translate::Options translateOptions;
  // Compiled routes from the previous reload, reused for unchanged route
  // objects (translate/route_memo.h). Reload thread only, under mu.
  translate::RouteMemo routeMemo;
  std::string appliedAt, trigger;
  uint64_t reloadsClean = 0, reloadsRejected = 0;
  std::unique_ptr<KubeState> kube;  // null in file mode

  // History (/objects, /changes): recorded by its own thread after traffic
  // has a generation, so the next reload does not wait for it (route
  // propagation, docs/performance.md). Jobs run in generation order.
  // historyMu guards the queue, `objects` and `history`; the history
  // thread never takes mu, so a reload may wait for it while holding mu.
  struct HistoryJob {
    Generation generation;  // all but changes and flips
    std::vector<std::string> files;
    std::vector<std::shared_ptr<const std::string>> contents;  // what the load read
    std::shared_ptr<const store::Snapshot> snapshot;
    api::Diagnostics diagnostics;
    std::optional<ObjectTexts> objects;  // kube mode: captured by the reload
    std::shared_ptr<const translate::Result> before, after;
  };
  std::mutex historyMu;
  std::condition_variable historyCv;
  std::deque<HistoryJob> historyQueue;
  bool historyBusy = false, historyStop = false;
  std::thread historyThread;
  ObjectTexts objects;
  History history;
  // The snapshot `objects` describes: the next generation's texts are
  // captured for the objects that differ from it. History thread only.
  std::shared_ptr<const store::Snapshot> recorded = std::make_shared<const store::Snapshot>();

  void recordHistory(HistoryJob job);
  void runHistory();
  // Waits until every queued generation is recorded (readers of objects
  // and history call it first, so they see every applied generation).
  void awaitHistory();
  void stopHistory();

  State(RunOptions o, std::ostream& l) : options(std::move(o)), log(l), files(options.paths) {}
  ~State() { stopHistory(); }

  // The last log lines, for /log and `portico bundle` (guarded by logMu).
  std::deque<std::string> recentLog;

  void say(const std::string& line) {
    std::lock_guard lock(logMu);
    log << line << std::endl;
    recentLog.push_back(fmt::format("{} {}", nowRfc3339(), line));
    if (recentLog.size() > kRecentLogLines) recentLog.pop_front();
  }
};

}  // namespace portico::run
