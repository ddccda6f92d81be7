#include "run/controller.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <mutex>
#include <ostream>

#include "admin/admin_server.h"
#include "dataplane/runtime.h"
#include "ir/ir_json.h"
#include "run/access_log_ring.h"
#include "run/admin_routes.h"
#include "run/carry_forward.h"
#include "run/controller_state.h"
#include "run/release_memory.h"
#include "run/ui_routes.h"
#include "source/loader.h"
#include "source/watch.h"
#include "status/status_json.h"
#include "translate/translator.h"

namespace portico::run {

namespace {

// Error lines kept per generation in /changes; the rest are in the log.
constexpr size_t kHistoryDiagnostics = 10;
// How long the history thread waits with no new generation before it
// returns freed memory to the system.
constexpr auto kTrimAfterQuiet = std::chrono::seconds(1);

}  // namespace

std::string nowRfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Controller::Controller(RunOptions options, std::ostream& log)
    : s_(std::make_unique<State>(std::move(options), log)) {}

Controller::~Controller() { stop(); }

void Controller::reload(const std::string& why, const source::FileChanges* changes) {
  const auto started = std::chrono::steady_clock::now();
  std::lock_guard lock(s_->mu);
  // Kubernetes mode reads the watched objects; `change` is when the
  // newest of them arrived (for change-to-traffic).
  std::chrono::steady_clock::time_point change{};
  source::LoadResult load;
  if (s_->kube) {
    change = s_->kube->source->stats().lastChange;
    load = s_->kube->source->load();
  } else {
    load = s_->files.load(changes);
  }
  const auto loaded = std::chrono::steady_clock::now();
  const size_t carried = carryForward(load.snapshot, *s_->lastGood, load.diagnostics);
  size_t errors = 0, warnings = 0;
  for (const auto& d : load.diagnostics) {
    (d.severity == api::Severity::Error ? errors : warnings)++;
    s_->say(d.format());
  }

  translate::Options topts;
  if (!s_->options.controllerName.empty()) topts.controllerName = s_->options.controllerName;
  topts.addressPool = s_->options.addressPool;
  topts.gatewayClassNames.insert(s_->options.gatewayClasses.begin(), s_->options.gatewayClasses.end());
  auto result = translate::translate(load.snapshot, topts, &s_->routeMemo);
  const size_t compiledRoutes = s_->routeMemo.misses();
  const auto translated = std::chrono::steady_clock::now();
  auto config = std::make_shared<const ir::Config>(std::move(result.ir));
  auto binds = s_->server->apply(config);

  // Ports that could not be opened go back to the translator so status
  // says so (PortUnavailable / NoResources), and the rest keeps serving.
  std::set<std::string> failed, pending;
  std::map<std::string, std::string> reasons;
  for (size_t i = 0; i < binds.size() && i < config->binds.size(); ++i) {
    if (binds[i].ok) continue;
    const std::string key = dataplane::bindKey(config->binds[i]);
    if (binds[i].unsupported) {
      pending.insert(key);
      continue;
    }
    failed.insert(key);
    reasons[key] = binds[i].error;
    s_->say(fmt::format("warning: {}:{}: {}", binds[i].address, binds[i].port, binds[i].error));
  }
  if (!failed.empty() || !pending.empty()) {
    topts.unbindable = failed;
    topts.unbindableReasons = reasons;
    topts.pendingBinds = pending;
    result = translate::translate(load.snapshot, topts, &s_->routeMemo);
    config = std::make_shared<const ir::Config>(std::move(result.ir));
    s_->server->apply(config);
  }
  if (s_->kube && !s_->options.kube.gatewayService.empty())
    addServiceAddresses(*s_->kube, s_->options, load.snapshot, result.status);
  const auto applied = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(applied - started).count();
  auto ms = [](auto from, auto to) { return std::chrono::duration<double, std::milli>(to - from).count(); };
  s_->generation++;

  State::HistoryJob job;
  Generation& g = job.generation;
  g.number = s_->generation;
  g.time = nowRfc3339();
  g.trigger = why;
  g.objects = load.snapshot.objectCount();
  g.rejected = errors;
  g.carried = carried;
  for (const auto& d : load.diagnostics) {
    if (d.severity == api::Severity::Error && g.diagnostics.size() < kHistoryDiagnostics)
      g.diagnostics.push_back(d.format());
  }
  if (s_->kube) {
    // The kube source's texts are read now, while they match this load;
    // the previous texts are the history thread's, so wait for it.
    s_->awaitHistory();
    job.objects = kubeObjectTexts(*s_->kube, load.diagnostics, s_->objects);
  } else {
    job.files = std::move(load.files);
    job.contents = s_->files.takeContents();
  }
  job.diagnostics = load.diagnostics;
  job.before = s_->current;
  job.after = std::make_shared<const translate::Result>(std::move(result));
  job.snapshot = std::make_shared<const store::Snapshot>(std::move(load.snapshot));

  s_->appliedAt = g.time;
  s_->trigger = why;
  (errors == 0 ? s_->reloadsClean : s_->reloadsRejected)++;
  s_->translateOptions = topts;
  s_->lastGood = job.snapshot;
  s_->current = job.after;
  s_->ir = config;
  s_->diagnostics = std::move(load.diagnostics);
  s_->metrics.recordReload(errors == 0, seconds, *s_->lastGood, s_->current->status);
  size_t routes = 0;
  for (const auto& b : config->binds)
    for (const auto& l : b.listeners)
      for (const auto& vh : l.virtualHosts) routes += vh.routes.size() + vh.grpcRoutes.size();
  s_->recordHistory(std::move(job));
  // Where a reload's time goes, for route-propagation work
  // (docs/performance.md). History is recorded after this, on its thread.
  const std::string decoded =
      s_->kube ? std::string() : fmt::format(", {} files decoded", s_->files.decodedLastTime());
  s_->say(fmt::format(
      "config generation {} ({}): {} objects, {} errors, {} warnings{}, {} binds, {} routes, applied in "
      "{:.1f} ms (load {:.1f}{}, translate {:.1f} with {} routes compiled, data plane {:.1f})",
      s_->generation, why, s_->lastGood->objectCount(), errors, warnings,
      carried ? fmt::format(", {} rejected objects kept at their last good version", carried) : "",
      config->binds.size(), routes, seconds * 1000, ms(started, loaded), decoded, ms(loaded, translated),
      compiledRoutes, ms(translated, applied)));
  if (s_->kube) kubeReconciled(change);
}

void Controller::State::recordHistory(HistoryJob job) {
  std::lock_guard lock(historyMu);
  if (!historyThread.joinable()) historyThread = std::thread([this] { runHistory(); });
  historyQueue.push_back(std::move(job));
  historyCv.notify_all();
}

void Controller::State::runHistory() {
  // Background work: on a busy machine the reload thread and the data
  // plane go first (Linux applies nice per thread).
  setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
  std::unique_lock lock(historyMu);
  while (true) {
    historyCv.wait(lock, [&] { return historyStop || !historyQueue.empty(); });
    if (historyQueue.empty()) return;  // stopping, nothing left
    HistoryJob job = std::move(historyQueue.front());
    historyQueue.pop_front();
    historyBusy = true;
    // Only this thread writes `objects`: it reads them without the lock.
    lock.unlock();
    std::optional<std::vector<TextUpdate>> updates;
    if (!job.objects) {
      updates = captureChanges(job.files, job.contents, *recorded, *job.snapshot, job.diagnostics, objects);
      job.generation.changes = diffObjects(objects, *updates);
    } else {
      job.generation.changes = diffObjects(objects, *job.objects);
    }
    job.generation.flips = diffConditions(job.before->status, job.after->status);
    lock.lock();
    history.record(std::move(job.generation));
    if (updates) {
      applyUpdates(objects, std::move(*updates));
    } else {
      objects = std::move(*job.objects);
    }
    lock.unlock();
    recorded = std::move(job.snapshot);
    job.before.reset();  // the replaced generation is freed here, off the reload path
    lock.lock();
    historyBusy = false;
    historyCv.notify_all();
    // Idle, with no change for a while: hand what the replaced
    // generations freed back to the system. Long-lived route lists
    // (ir::RouteList) interleave with each reload's short-lived objects, so
    // without this the allocator keeps the freed pages (glibc: 92 MiB of
    // RSS instead of 56 after 200 routes added and 200 changed at 3,000
    // routes). Not between changes: trimming holds the allocator's locks
    // while it walks the heap, and a reload allocating meanwhile waits.
    if (historyQueue.empty() &&
        !historyCv.wait_for(lock, kTrimAfterQuiet, [&] { return historyStop || !historyQueue.empty(); })) {
      lock.unlock();
      releaseFreedMemory();
      lock.lock();
    }
  }
}

void Controller::State::awaitHistory() {
  std::unique_lock lock(historyMu);
  historyCv.wait(lock, [&] { return historyQueue.empty() && !historyBusy; });
}

void Controller::State::stopHistory() {
  {
    std::lock_guard lock(historyMu);
    historyStop = true;
    historyCv.notify_all();
  }
  if (historyThread.joinable()) historyThread.join();
}

bool Controller::start(std::string& error) {
  auto& o = s_->options;
  s_->metrics.backendHistograms = o.backendLatencyHistograms;
  s_->server = dataplane::Server::create(o.server);
  s_->server->start();
  if (o.kube.enabled) {
    // The first reconcile runs once every resource is listed (the
    // source's first onChange), not here.
    if (!startKube(error)) return false;
  } else {
    // Watch before the first load: a file written while it runs is then
    // seen (one more reload) instead of lost until the next change.
    if (o.watch) {
      std::vector<std::string> files;
      for (const auto& p : o.paths) {
        if (p != "-") files.push_back(p);
      }
      if (!files.empty()) {
        s_->watcher = source::FileWatcher::start(
            files, o.debounce,
            [this](const source::FileChanges& changes) { reload("files changed", &changes); }, error);
        if (!s_->watcher) return false;
      }
    }
    reload("startup");
  }
  if (o.admin) {
    s_->adminServer = admin::AdminServer::start(o.adminAddress, o.adminPort, error);
    if (!s_->adminServer) return false;
    registerUiRoutes(*s_->adminServer, *this);  // first: admin routes win any shared path
    registerAdminRoutes(*s_->adminServer, *this);
    s_->say(fmt::format("admin server on {}:{}", o.adminAddress, s_->adminServer->port()));
  }
  s_->started = true;
  return true;
}

void Controller::stop() {
  if (!s_ || !s_->server) return;
  stopKube();
  s_->watcher.reset();
  s_->awaitHistory();
  s_->server->stop(s_->options.drainTimeout);
  s_->server.reset();
  if (s_->adminServer) s_->adminServer->stop();
  s_->adminServer.reset();
  s_->started = false;
}

uint16_t Controller::adminPort() const { return s_->adminServer ? s_->adminServer->port() : 0; }

uint64_t Controller::generation() const {
  std::lock_guard lock(s_->mu);
  return s_->generation;
}

std::string Controller::statusJson() const {
  std::lock_guard lock(s_->mu);
  status::DocumentOptions opts;
  opts.format = status::DocumentFormat::Json;
  opts.lastTransitionTime = nowRfc3339();
  return status::renderKubeList(s_->current->status, opts);
}

std::string Controller::configDump() const {
  std::lock_guard lock(s_->mu);
  return s_->ir ? ir::toJson(*s_->ir, true) : "{}";
}

std::string Controller::diagnosticsText() const {
  std::lock_guard lock(s_->mu);
  std::string out;
  for (const auto& d : s_->diagnostics) out += d.format() + "\n";
  return out;
}

std::string Controller::metrics() const {
  std::lock_guard lock(s_->mu);
  std::string kube;
  if (s_->kube && s_->kube->source)
    kube = s_->kube->metrics.render(s_->kube->source->stats(), s_->kube->source->synced());
  if (!s_->server) return s_->metrics.render({}, {}) + kube;
  return s_->metrics.render(s_->server->stats(), s_->server->labelledStats()) + kube;
}

// Kubernetes mode: ready once the first snapshot (every resource listed)
// is served, like a controller-runtime manager after its caches sync.
bool Controller::ready() const {
  return s_->started && s_->server != nullptr && (!s_->kube || generation() > 0);
}

int runForeground(const RunOptions& options, std::ostream& out, std::ostream& err) {
  // Signals are taken synchronously by this thread (sigwait); every thread
  // started below inherits the mask, so none is interrupted.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  RunOptions opts = options;
  if (opts.accessLog == "json" || opts.accessLog == "text") {
    opts.server.accessLogFormat =
        opts.accessLog == "text" ? dataplane::AccessLogFormat::Text : dataplane::AccessLogFormat::Json;
    // One write() per line: atomic for lines under PIPE_BUF, so workers
    // share no lock for stdout. The ring (/access-log, the bundle's
    // access-log.txt) holds the last lines; with --access-log off there is
    // no line to keep.
    opts.accessLogRing = std::make_shared<AccessLogRing>(kAccessLogRingLines);
    opts.server.accessLog = teeToRing(opts.accessLogRing, [](const std::string& line) {
      std::string l = line + "\n";
      ssize_t ignored = ::write(STDOUT_FILENO, l.data(), l.size());
      (void)ignored;
    });
  }
  Controller c(opts, err);
  std::string error;
  if (!c.start(error)) {
    err << "error: " << error << std::endl;
    return 1;
  }
  out << std::flush;
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      c.reload("SIGHUP");
      continue;
    }
    err << "received " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ": draining" << std::endl;
    c.stop();
    return 0;
  }
}

}  // namespace portico::run
