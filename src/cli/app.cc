// Command-line parsing: flags -> *Args structs -> run*(). No behaviour of
// its own beyond usage errors, --help and --version.
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
  addInputs(*runCmd, runOpts.paths);
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
