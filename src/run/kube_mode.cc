// `portico run --kube`: the API server as the source (list + watch), the
// leader elector, and the status thread that writes status and events
// when this replica leads. Every replica serves traffic; only the leader
// writes (client-go leaderelection's contract).
#include <arpa/inet.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "kube/config.h"
#include "run/controller.h"
#include "run/controller_state.h"

namespace portico::run {
namespace {

// kubectl's order: an explicit file, then in-cluster, then $KUBECONFIG's
// first file, then ~/.kube/config.
std::optional<kube::ClusterConfig> clusterConfig(const KubeOptions& k, std::string& error) {
  if (!k.kubeconfig.empty()) return kube::loadKubeconfig(k.kubeconfig, k.context, error);
  if (const char* host = std::getenv("KUBERNETES_SERVICE_HOST"); host && *host && k.context.empty())
    return kube::inClusterConfig(error);
  std::string path;
  if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
    path = env;
    path = path.substr(0, path.find(':'));
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    path = std::string(home) + "/.kube/config";
  }
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec)) {
    error =
        "no cluster configuration: not in a cluster (KUBERNETES_SERVICE_HOST unset) and no kubeconfig "
        "(--kubeconfig, $KUBECONFIG, ~/.kube/config)";
    return std::nullopt;
  }
  return kube::loadKubeconfig(path, k.context, error);
}

// client-go's convention: a name per replica that survives nothing (a
// restarted pod must not inherit its predecessor's lease).
std::string identity(const KubeOptions& k) {
  if (!k.identity.empty()) return k.identity;
  std::string base;
  if (const char* pod = std::getenv("POD_NAME"); pod && *pod) {
    base = pod;
  } else {
    char host[256] = {};
    base = ::gethostname(host, sizeof host - 1) == 0 && host[0] ? host : "portico";
  }
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string suffix;
  for (int i = 0; i < 8; ++i) suffix.push_back(kHex[rd() % 16]);
  return base + "_" + suffix;
}

}  // namespace

bool Controller::startKube(std::string& error) {
  const auto& k = s_->options.kube;
  auto cfg = clusterConfig(k, error);
  if (!cfg) return false;
  auto ks = std::make_unique<KubeState>();
  ks->watchClient = kube::Client::create(*cfg);
  ks->writeClient = kube::Client::create(*cfg);
  kube::StatusWriterOptions wo;
  wo.controllerName =
      s_->options.controllerName.empty() ? translate::kDefaultControllerName : s_->options.controllerName;
  ks->writer = std::make_unique<kube::StatusWriter>(*ks->writeClient, wo);
  ks->events = std::make_unique<kube::EventRecorder>(*ks->writeClient, "portico");
  ks->leader = !k.leaderElect;
  ks->metrics.setLeader(!k.leaderElect, k.leaderElect);
  KubeState* kp = ks.get();
  State* state = s_.get();
  ks->statusThread = std::thread([kp, state] {
    // What the previous round saw, for the events' transitions.
    status::StatusSet previous, latest;
    bool haveLatest = false;
    std::unique_lock lock(kp->mu);
    for (;;) {
      kp->cv.wait(lock, [&] { return kp->stop || kp->pending || kp->becameLeader; });
      if (kp->stop) return;
      const bool reset = kp->becameLeader;
      kp->becameLeader = false;
      if (kp->pending) {
        latest = std::move(*kp->pending);
        kp->pending.reset();
        haveLatest = true;
      }
      lock.unlock();
      if (haveLatest && kp->leader) {
        try {
          if (reset) kp->writer->reset();  // another replica may have written since
          const std::string now = nowRfc3339();
          const auto r = kp->writer->publish(latest, now);
          kp->metrics.recordPublish(r);
          for (const auto& e : r.errors) state->say("warning: status: " + e);
          if (r.written || r.failed)
            state->say(fmt::format("status: {} written, {} unchanged, {} conflicts, {} failed", r.written,
                                   r.unchanged, r.conflicts, r.failed));
          const auto events = kube::eventsForTransitions(previous, latest);
          if (!events.empty()) {
            const auto failures = kp->events->record(events, now);
            kp->metrics.recordEvents(events.size() - std::min(events.size(), failures.size()),
                                     failures.size());
            for (const auto& f : failures) state->say("warning: event: " + f);
          }
        } catch (const std::exception& e) {
          state->say(std::string("warning: status: ") + e.what());
        }
      }
      if (haveLatest) previous = latest;
      lock.lock();
    }
  });

  kube::SourceOptions so;
  so.namespaces = k.namespaces;
  so.debounce = s_->options.debounce;
  so.watchTimeout = k.watchTimeout;
  so.log = [this](const std::string& line) { s_->say(line); };
  {
    // Held while the source starts: its first onChange (a reconcile on the
    // source's thread) waits until s_->kube is complete.
    std::lock_guard lock(s_->mu);
    s_->kube = std::move(ks);
    s_->kube->source =
        kube::KubeSource::start(*s_->kube->watchClient, so, [this] { reload("kube: objects changed"); });
  }
  s_->say(fmt::format("kube: watching {} ({}{})", cfg->server, cfg->origin,
                      k.namespaces.empty() ? std::string(", every namespace")
                                           : fmt::format(", namespaces {}", fmt::join(k.namespaces, ","))));

  if (k.leaderElect) {
    kube::LeaderOptions lo;
    lo.leaseNamespace = k.leaseNamespace.empty() ? cfg->namespace_ : k.leaseNamespace;
    lo.leaseName = k.leaseName;
    lo.identity = identity(k);
    lo.leaseDuration = k.leaseDuration;
    lo.renewDeadline = k.renewDeadline;
    lo.retryPeriod = k.retryPeriod;
    s_->say(fmt::format("kube: leader election on Lease {}/{} as {}", lo.leaseNamespace, lo.leaseName,
                        lo.identity));
    s_->kube->elector = kube::LeaderElector::start(*s_->kube->writeClient, lo, [kp, state](bool leader) {
      kp->metrics.setLeader(leader, true);
      state->say(leader ? "kube: became leader: writing status"
                        : "kube: lost leadership: not writing status");
      std::lock_guard lock(kp->mu);
      kp->leader = leader;
      if (leader) kp->becameLeader = true;
      kp->cv.notify_all();
    });
  }
  return true;
}

void Controller::stopKube() {
  if (!s_->kube) return;
  auto& k = *s_->kube;
  // The source first: its thread may be inside a reconcile, which is
  // joined here (never under s_->mu).
  if (k.source) k.source->stop();
  {
    std::lock_guard lock(k.mu);
    k.stop = true;
    k.cv.notify_all();
  }
  if (k.statusThread.joinable()) k.statusThread.join();
  // A leader releases its lease so another replica takes over at once.
  if (k.elector) k.elector->stop();
  std::unique_ptr<KubeState> gone;
  {
    std::lock_guard lock(s_->mu);
    gone = std::move(s_->kube);
  }
}

void addServiceAddresses(const KubeState& kube, const RunOptions& options, const store::Snapshot& snapshot,
                         status::StatusSet& status) {
  const std::string& svc = options.kube.gatewayService;
  const auto slash = svc.find('/');
  if (!kube.source || slash == std::string::npos) return;
  const auto ingress = kube.source->serviceIngress(svc.substr(0, slash), svc.substr(slash + 1));
  if (ingress.empty()) return;
  const std::string controller =
      options.controllerName.empty() ? translate::kDefaultControllerName : options.controllerName;
  for (auto& o : status.objects) {
    auto* st = std::get_if<status::GatewayStatus>(&o.status);
    if (!st || !st->addresses.empty()) continue;
    const api::Gateway* gw = snapshot.gateways.find(o.namespace_, o.name);
    if (!gw || !gw->addresses.empty()) continue;
    const api::GatewayClass* gc = snapshot.gatewayClasses.find("", gw->gatewayClassName);
    if (!gc || gc->controllerName != controller) continue;
    for (const auto& a : ingress) {
      in6_addr buf{};
      const bool ip =
          ::inet_pton(AF_INET, a.c_str(), &buf) == 1 || ::inet_pton(AF_INET6, a.c_str(), &buf) == 1;
      st->addresses.push_back({ip ? "IPAddress" : "Hostname", a});
    }
  }
}

ObjectTexts kubeObjectTexts(const KubeState& kube, const api::Diagnostics& diagnostics,
                            const ObjectTexts& previous) {
  ObjectTexts out;
  if (!kube.source) return out;
  for (auto& [id, m] : kube.source->manifests()) out[id] = ObjectText{m.first, std::move(m.second)};
  for (const auto& d : diagnostics) {
    if (d.severity != api::Severity::Error || d.kind.empty() || d.name.empty()) continue;
    const std::string id = objectId(d.kind, d.namespace_, d.name);
    if (out.count(id)) continue;
    if (auto it = previous.find(id); it != previous.end()) out[id] = it->second;  // carried forward
  }
  return out;
}

void Controller::kubeReconciled(std::chrono::steady_clock::time_point change) {
  auto& k = *s_->kube;
  if (change > k.servedChange) {
    k.metrics.recordChangeToTraffic(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - change).count());
    k.servedChange = change;
  }
  // A reload before every resource was listed (SIGHUP) serves what there
  // is but never writes status from a partial view.
  if (!k.source || !k.source->synced()) return;
  std::lock_guard lock(k.mu);
  k.pending = s_->current->status;
  k.cv.notify_all();
}

}  // namespace portico::run
