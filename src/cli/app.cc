// Command-line parsing: flags -> *Args structs -> run*(). No behaviour of
// its own beyond usage errors, --help and --version.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <ostream>
#include <string_view>
#include <thread>

#include "cli/commands.h"
#include "run/controller.h"
#include "translate/address_pool.h"
#include "translate/translator.h"

namespace portico::cli {
namespace {

constexpr const char* kInputHelp =
    "Manifest file or directory (every *.yaml, *.yml, *.json below it); '-' reads stdin. Repeatable.";

constexpr const char* kExitHelp =
    "Exit status: 0 when every object loaded; 1 when any object was rejected (diagnostics on "
    "stderr), in which case the output for the valid objects is still printed.";

void addInputs(CLI::App& cmd, std::vector<std::string>& paths) {
  cmd.add_option("-c,--config", paths, kInputHelp)->required();
}

// The admin server has no authentication (docs/dashboard.md, "Binding the
// admin address elsewhere"): loopback unless the user says otherwise.
// Names other than localhost are refused too: what they resolve to is
// not known here.
bool isLoopback(std::string_view address) {
  if (address == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, std::string(address).c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, std::string(address).c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

}  // namespace

int runCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"Portico: a Kubernetes Gateway API implementation.", "portico"};
  app.set_version_flag("--version", std::string("portico ") + kVersion);
  app.require_subcommand(1);

  ValidateArgs validate;
  CLI::App* validateCmd =
      app.add_subcommand("validate", "Decode and validate manifests; print every problem found.");
  addInputs(*validateCmd, validate.paths);
  validateCmd->footer(
      "Diagnostics go to stderr, the summary line to stdout.\nExit status: 0 when there are no "
      "errors (warnings allowed), 1 otherwise.");

  StatusArgs status;
  std::string controllerName = translate::kDefaultControllerName;
  CLI::App* statusCmd = app.add_subcommand("status", "Print the status Portico would write for each object.");
  addInputs(*statusCmd, status.paths);
  const std::map<std::string, StatusFormat> formats{
      {"table", StatusFormat::Table}, {"yaml", StatusFormat::Yaml}, {"json", StatusFormat::Json}};
  std::string output = "table";
  statusCmd->add_option("-o,--output", output, "Output format: table, yaml or json")
      ->check(CLI::IsMember({"table", "yaml", "json"}))
      ->capture_default_str();
  statusCmd->add_option("--controller-name", controllerName, "GatewayClass controllerName to act for")
      ->capture_default_str();
  statusCmd->add_option("--width", status.width, "Table width; 0 = unlimited")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  statusCmd->add_option("--transition-time", status.lastTransitionTime,
                        "lastTransitionTime to write (RFC 3339); default: now. For reproducible output.");
  statusCmd->footer(kExitHelp);

  ConfigDumpArgs dump;
  CLI::App* dumpCmd =
      app.add_subcommand("config-dump", "Print the compiled data-plane configuration (JSON).");
  addInputs(*dumpCmd, dump.paths);
  dumpCmd->add_option("--controller-name", controllerName, "GatewayClass controllerName to act for")
      ->capture_default_str();
  bool compact = false;
  dumpCmd->add_flag("--compact", compact, "One line instead of indented JSON");
  dumpCmd->footer(std::string(kExitHelp) +
                  "\nPrivate keys are redacted; certificates appear as fingerprints.");

  DiagnoseArgs diagnoseArgs;
  CLI::App* diagnoseCmd = addDiagnoseCommand(app, diagnoseArgs);
  ExplainArgs explainArgs;
  CLI::App* explainCmd = addExplainCommand(app, explainArgs);
  ChangesArgs changesArgs;
  CLI::App* changesCmd = addChangesCommand(app, changesArgs);
  BundleArgs bundleArgs;
  CLI::App* bundleCmd = addBundleCommand(app, bundleArgs);
  MigrateIngressArgs migrateArgs;
  CLI::App* migrateIngressCmd = addMigrateCommand(app, migrateArgs);

  // portico run
  run::RunOptions runOpts;
  std::string adminAddress = "127.0.0.1:9901";
  std::string accessLog = "json";
  int drainSeconds = 10;
  bool noWatch = false;
  CLI::App* runCmd =
      app.add_subcommand("run", "Serve the Gateways of the given manifests (control and data plane).");
  // Files, or the API server with --kube (one of the two).
  CLI::Option* runConfig = runCmd->add_option("-c,--config", runOpts.paths, kInputHelp);
  CLI::Option* runKube = runCmd->add_flag(
      "--kube", runOpts.kube.enabled,
      "Read objects from the Kubernetes API server (list + watch) instead of files, and write "
      "status back (docs/kubernetes.md)");
  runConfig->excludes(runKube);
  runCmd
      ->add_option("--kubeconfig", runOpts.kube.kubeconfig,
                   "kubeconfig file (--kube; default: in-cluster, else $KUBECONFIG or ~/.kube/config)")
      ->needs(runKube);
  runCmd
      ->add_option("--context", runOpts.kube.context, "kubeconfig context (--kube; default: current-context)")
      ->needs(runKube);
  runCmd
      ->add_option("--namespace-scope", runOpts.kube.namespaces,
                   "Watch namespaced objects in these namespaces only (--kube; repeatable; default: all)")
      ->needs(runKube);
  runCmd
      ->add_option("--leader-elect", runOpts.kube.leaderElect,
                   "Elect one replica (a coordination.k8s.io Lease) to write status (--kube)")
      ->capture_default_str();
  runCmd->add_option("--lease-namespace", runOpts.kube.leaseNamespace,
                     "Namespace of the leader-election Lease (default: the service account's namespace)");
  runCmd->add_option("--lease-name", runOpts.kube.leaseName, "Name of the leader-election Lease")
      ->capture_default_str();
  double leaseDuration = 15, renewDeadline = 10, retryPeriod = 2;
  runCmd->add_option("--lease-duration", leaseDuration, "Seconds a lease is valid without renewal")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  runCmd
      ->add_option("--renew-deadline", renewDeadline,
                   "Seconds the leader keeps trying to renew before stepping down")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  runCmd->add_option("--retry-period", retryPeriod, "Seconds between lease acquire/renew attempts")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  runCmd->add_option("--gateway-service", runOpts.kube.gatewayService,
                     "NAMESPACE/NAME of the data plane's Service: its load-balancer addresses become the "
                     "Gateways' status.addresses (--kube)");
  runCmd->add_option("--controller-name", controllerName, "GatewayClass controllerName to act for")
      ->capture_default_str();
  runCmd->add_option("--workers", runOpts.server.workers, "Worker threads (default: number of cores)");
  runCmd
      ->add_option("--listen-address", runOpts.server.listenAddress,
                   "Address for listeners of Gateways without spec.addresses")
      ->capture_default_str();
  runCmd
      ->add_option("--admin-address", adminAddress,
                   "Admin server ADDRESS:PORT (loopback by default; 'off' disables)")
      ->capture_default_str();
  bool adminAllowRemote = false;
  runCmd->add_flag("--admin-allow-remote", adminAllowRemote,
                   "Allow --admin-address off loopback: the admin API and dashboard are unauthenticated and "
                   "show the whole configuration (docs/dashboard.md)");
  runCmd->add_option("--address-pool", runOpts.addressPool,
                     "IPv4 CIDR to give each Gateway without spec.addresses its own address (repeatable)");
  runCmd
      ->add_option("--access-log", accessLog,
                   "Access log on stdout: json, text (one nginx-style line per request) or off")
      ->check(CLI::IsMember({"json", "text", "off"}))
      ->capture_default_str();
  runCmd->add_option("--drain-timeout", drainSeconds, "Seconds to let in-flight requests finish on SIGTERM")
      ->capture_default_str();
  runCmd->add_flag("--no-watch", noWatch, "Do not reload when the files change (SIGHUP still reloads)");
  runCmd
      ->add_option("--max-request-body", runOpts.server.maxRequestBody,
                   "Largest request body in bytes (413 above it); 0 = unlimited")
      ->capture_default_str();
  runCmd->add_flag("--via", runOpts.server.addVia, "Add a Via header to proxied requests");
  runCmd->add_flag("--route-metrics", runOpts.server.routeMetrics,
                   "Also count requests per route in /metrics (series grow with the number of routes)");
  runCmd->add_flag("--backend-latency-histograms", runOpts.backendLatencyHistograms,
                   "Export per-backend upstream latency as a histogram (13 series per backend) instead of a "
                   "sum and a count");
  runCmd
      ->add_option("--session-secret", runOpts.server.sessionSecret,
                   "Key for session-persistence cookie/header values (set the same on every replica; "
                   "default: a built-in key, so values are forgeable and not private)")
      ->envname("PORTICO_SESSION_SECRET");
  runCmd
      ->add_option("--outlier-consecutive-failures", runOpts.server.outlier.consecutiveFailures,
                   "Connect errors or 5xx in a row that eject an endpoint (0 turns passive detection off)")
      ->capture_default_str();
  runCmd->add_option(
      "--gateway-class", runOpts.gatewayClasses,
      "Serve only these GatewayClasses (repeatable); others naming the controller are Unsupported");
  runCmd->footer(
      "Reloads when the files change and on SIGHUP; an invalid change is reported and the last good "
      "version of each object keeps serving. SIGTERM/SIGINT drain and exit 0.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    // `migrate` documents exit 2 for bad arguments.
    return code != 0 && argc > 1 && std::string_view(argv[1]) == "migrate" ? 2 : code;
  }

  if (*validateCmd) return runValidate(validate, out, err);
  if (*diagnoseCmd) return runDiagnose(diagnoseArgs, out, err);
  if (*explainCmd) return runExplain(explainArgs, out, err);
  if (*changesCmd) return runChanges(changesArgs, out, err);
  if (*bundleCmd) return runBundle(bundleArgs, out, err);
  if (*migrateIngressCmd) return runMigrateIngress(migrateArgs, out, err);
  if (*runCmd) {
    if (!runOpts.kube.enabled && runOpts.paths.empty()) {
      err << "run: --config is required (or --kube to read objects from the API server)\n";
      return 2;
    }
    if (!(renewDeadline < leaseDuration && retryPeriod < renewDeadline)) {
      // client-go's leaderelection.NewLeaderElector checks the same.
      err << "run: need --retry-period < --renew-deadline < --lease-duration\n";
      return 2;
    }
    if (!runOpts.kube.gatewayService.empty() && runOpts.kube.gatewayService.find('/') == std::string::npos) {
      err << "--gateway-service: expected NAMESPACE/NAME\n";
      return 2;
    }
    auto ms = [](double seconds) { return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)); };
    runOpts.kube.leaseDuration = ms(leaseDuration);
    runOpts.kube.renewDeadline = ms(renewDeadline);
    runOpts.kube.retryPeriod = ms(retryPeriod);
    runOpts.controllerName = controllerName;
    runOpts.accessLog = accessLog;
    runOpts.watch = !noWatch;
    runOpts.drainTimeout = std::chrono::seconds(drainSeconds);
    if (runOpts.server.workers <= 0)
      runOpts.server.workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (adminAddress == "off") {
      runOpts.admin = false;
    } else {
      auto colon = adminAddress.rfind(':');
      if (colon == std::string::npos) {
        err << "--admin-address: expected ADDRESS:PORT\n";
        return 2;
      }
      runOpts.adminAddress = adminAddress.substr(0, colon);
      runOpts.adminPort = static_cast<uint16_t>(std::stoi(adminAddress.substr(colon + 1)));
      if (runOpts.adminAddress.size() > 2 && runOpts.adminAddress.front() == '[' &&
          runOpts.adminAddress.back() == ']') {
        runOpts.adminAddress = runOpts.adminAddress.substr(1, runOpts.adminAddress.size() - 2);  // [::1]:9901
      }
      if (!isLoopback(runOpts.adminAddress) && !adminAllowRemote) {
        err << "--admin-address " << adminAddress
            << ": not a loopback address. The admin server has no authentication or TLS and serves the "
               "configuration, certificate metadata, findings and logs to anyone who can reach it; keep it "
               "on 127.0.0.1 and use ssh -L or kubectl port-forward, or pass --admin-allow-remote to bind "
               "it there anyway (docs/dashboard.md)\n";
        return 2;
      }
    }
    for (const auto& cidr : runOpts.addressPool) {
      if (!translate::AddressPool::validCidr(cidr)) {
        err << "--address-pool: " << cidr << " is not an IPv4 CIDR\n";
        return 2;
      }
    }
    return run::runForeground(runOpts, out, err);
  }
  if (*statusCmd) {
    status.controllerName = controllerName;
    status.format = formats.at(output);
    return runStatus(status, out, err);
  }
  dump.controllerName = controllerName;
  dump.pretty = !compact;
  return runConfigDump(dump, out, err);
}

}  // namespace portico::cli
