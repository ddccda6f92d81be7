// `portico run`: files -> snapshot -> translate -> data plane, kept in
// step as the files change, with the admin server reading the same state.
// No Asio here.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/server.h"
#include "diagnose/live.h"
#include "source/loader.h"
#include "source/watch.h"
#include "translate/translator.h"

namespace portico::run {

class AccessLogRing;  // access_log_ring.h

// `portico run --kube`: objects come from the API server (list + watch)
// instead of files, status is written back by the elected leader, events
// are recorded (kube_mode.cc).
struct KubeOptions {
  bool enabled = false;
  // Empty: in-cluster when KUBERNETES_SERVICE_HOST is set, else
  // $KUBECONFIG (its first file) or ~/.kube/config, as kubectl does.
  std::string kubeconfig;
  std::string context;                  // empty = current-context
  std::vector<std::string> namespaces;  // --namespace-scope; empty = every namespace
  bool leaderElect = true;
  std::string leaseNamespace;  // empty = the service account's (or the context's) namespace
  std::string leaseName = "portico-controller";
  std::string identity;  // empty = $POD_NAME or the hostname, plus a random suffix
  std::chrono::milliseconds leaseDuration{15000};
  std::chrono::milliseconds renewDeadline{10000};
  std::chrono::milliseconds retryPeriod{2000};
  std::chrono::milliseconds watchTimeout{300000};  // server-side timeoutSeconds of each watch
  // NS/NAME of the Service in front of the data plane: its
  // status.loadBalancer.ingress become Gateways' status.addresses.
  std::string gatewayService;
};

struct RunOptions {
  std::vector<std::string> paths;
  KubeOptions kube;
  std::string controllerName;               // empty = the default
  std::vector<std::string> addressPool;     // CIDRs, see translate::Options
  std::vector<std::string> gatewayClasses;  // empty = every class naming our controller
  dataplane::ServerOptions server;
  bool admin = true;
  std::string adminAddress = "127.0.0.1";
  uint16_t adminPort = 9901;  // 0 = ephemeral
  std::chrono::milliseconds drainTimeout{10000};
  std::chrono::milliseconds debounce{10};
  bool backendLatencyHistograms = false;  // see ControlMetrics::backendHistograms
  bool watch = true;
  std::string accessLog = "json";  // json | text | off (dataplane/access_log.h)
  // The last access-log lines for /access-log (access_log_ring.h); filled
  // by whoever sets server.accessLog (runForeground). Null: /access-log 404.
  std::shared_ptr<AccessLogRing> accessLogRing;
};

// What the live troubleshooting endpoints analyse (admin_routes.cc): the
// served objects, the options they were translated with (bind failures
// included), the served IR and the runtime facts. A copy: analysing it
// holds no lock.
struct LiveView {
  source::LoadResult input;  // the served snapshot; the current load's warnings
  translate::Options translate;
  std::shared_ptr<const ir::Config> ir;
  diagnose::LiveFacts facts;
  std::string listenAddress;  // where binds without an address of their own listen
};

class Controller {
 public:
  // Log lines (reloads, diagnostics, binds) go to `log`, which must
  // outlive the controller; writes are serialised by the controller.
  Controller(RunOptions options, std::ostream& log);
  ~Controller();

  // First load, data plane, admin server and file watcher. False (with the
  // reason) when the admin server or the watcher cannot start.
  bool start(std::string& error);

  // Re-reads the files and applies what is valid; objects that became
  // invalid keep their last good version. Thread-safe.
  // `changes`: what the file watcher saw (null: check every file).
  void reload(const std::string& why, const source::FileChanges* changes = nullptr);

  // Stops watching, drains the data plane, stops the admin server.
  void stop();

  uint16_t adminPort() const;
  uint64_t generation() const;

  // What the admin server serves.
  std::string statusJson() const;
  std::string configDump() const;
  std::string diagnosticsText() const;
  std::string metrics() const;
  bool ready() const;
  std::string objectsYaml() const;    // objects.h
  std::string changesJson() const;    // history.h
  std::string recentLog() const;      // the last log lines, timestamped
  std::string endpointsJson() const;  // /endpoints (admin_routes.cc)
  std::string trafficJson() const;    // /traffic for the dashboard (traffic.cc)
  // The newest `limit` access-log lines, timestamped; nullopt without a
  // ring (--access-log off). admin_routes.cc.
  std::optional<std::string> recentAccessLog(size_t limit) const;
  LiveView liveView() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
  // Kubernetes mode (kube_mode.cc): source, leader election, status thread.
  bool startKube(std::string& error);
  void stopKube();
  // After a reconcile (under the state lock): change-to-traffic, and the
  // status set handed to the status thread.
  void kubeReconciled(std::chrono::steady_clock::time_point change);
};

// Runs until SIGTERM or SIGINT (drain, exit 0); SIGHUP reloads.
int runForeground(const RunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace portico::run
