// Controller internals shared by controller.cc (load, apply, lifecycle)
// and live_view.cc (what the admin endpoints read). Private to src/run.
#pragma once

#include <fmt/format.h>

#include <deque>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>

#include "admin/admin_server.h"
#include "run/controller.h"
#include "run/history.h"
#include "run/metrics.h"
#include "run/objects.h"
#include "source/watch.h"

namespace portico::run {

// Log lines kept for /log.
inline constexpr size_t kRecentLogLines = 200;

// "2025-01-31T12:00:00Z", now.
std::string nowRfc3339();

struct Controller::State {
  RunOptions options;
  std::ostream& log;
  mutable std::mutex mu;  // control path only: reloads and admin reads
  std::mutex logMu;
  std::unique_ptr<dataplane::Server> server;
  std::unique_ptr<admin::AdminServer> adminServer;
  std::unique_ptr<source::FileWatcher> watcher;
  store::Snapshot lastGood;
  translate::Result current;
  api::Diagnostics diagnostics;
  std::shared_ptr<const ir::Config> ir;
  uint64_t generation = 0;
  bool started = false;
  ControlMetrics metrics;
  // For the live troubleshooting endpoints (admin_routes.cc).
  translate::Options translateOptions;
  ObjectTexts objects;
  History history;
  std::string appliedAt, trigger;
  uint64_t reloadsClean = 0, reloadsRejected = 0;

  State(RunOptions o, std::ostream& l) : options(std::move(o)), log(l) {}

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
