// The `portico` subcommands as plain functions: arguments in, text out,
// exit code returned. main() only parses flags and calls one of them, so
// the tests drive the very same code without spawning a process.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace portico::cli {

// Kept equal to project(VERSION) in CMakeLists.txt (a test checks it).
inline constexpr const char* kVersion = "0.1.0";

struct ValidateArgs {
  std::vector<std::string> paths;  // files, directories, "-" = stdin
};

enum class StatusFormat { Table, Yaml, Json };

struct StatusArgs {
  std::vector<std::string> paths;
  StatusFormat format = StatusFormat::Table;
  std::string controllerName;      // empty = translate::kDefaultControllerName
  std::string lastTransitionTime;  // empty = now (UTC, RFC 3339)
  int width = 80;                  // table only; 0 = unlimited
};

struct ConfigDumpArgs {
  std::vector<std::string> paths;
  std::string controllerName;  // empty = translate::kDefaultControllerName
  bool pretty = true;
};

enum class OutputFormat { Text, Json };
enum class ColorMode { Auto, Always, Never };

// What diagnose and explain share: how a report is written.
struct ReportOptions {
  OutputFormat format = OutputFormat::Text;
  ColorMode color = ColorMode::Auto;  // Auto: only when `out` is a terminal
  int width = 0;                      // text width; 0 = terminal width or 80
  std::string controllerName;
};
// Registers -o, --color, --width and --controller-name on `cmd`; `schema`
// names the JSON document (report_options.cc).
void addReportOptions(CLI::App& cmd, ReportOptions& options, const char* schema);

struct DiagnoseArgs {
  std::vector<std::string> paths;
  std::string admin;              // --admin URL: diagnose a running Portico instead of `paths`
  std::vector<std::string> with;  // --with: change applied on top of `paths` (before/after)
  std::string namespace_;         // -n: only findings involving this namespace
  ReportOptions report;
  std::string now;  // RFC 3339 reference time for certificate checks; "" = now
};

// Exit 1 when there are error findings (with --with: when the change
// introduces one), 0 otherwise; 2 on bad arguments.
int runDiagnose(const DiagnoseArgs& args, std::ostream& out, std::ostream& err);
// Registers `diagnose` on `app`, filling `args` (cmd_diagnose.cc).
CLI::App* addDiagnoseCommand(CLI::App& app, DiagnoseArgs& args);

struct ExplainArgs {
  std::vector<std::string> paths;
  std::string admin;  // --admin URL: trace through a running Portico's served config
  std::string url;
  std::string method = "GET";
  std::vector<std::string> headers;  // "Name: value"
  std::string grpc;                  // "service/method": a gRPC call (POST /service/method, application/grpc)
  ReportOptions report;
};

// Exit 0 when the request is proxied to a backend or answered with 2xx/3xx
// (redirect, CORS preflight); 1 when the client gets an error or the
// connection fails; 2 on bad arguments.
int runExplain(const ExplainArgs& args, std::ostream& out, std::ostream& err);
CLI::App* addExplainCommand(CLI::App& app, ExplainArgs& args);

struct ChangesArgs {
  std::string admin;  // --admin URL (required: the history lives in the running process)
  OutputFormat format = OutputFormat::Text;
  int width = 0;  // 0 = terminal width or 80
  int last = 0;   // only the newest N generations; 0 = all kept
};

// Prints the recent config generations of a running Portico (cmd_changes.cc).
// Exit 0; 2 when the admin server cannot be reached or on bad arguments.
int runChanges(const ChangesArgs& args, std::ostream& out, std::ostream& err);
CLI::App* addChangesCommand(CLI::App& app, ChangesArgs& args);

struct BundleArgs {
  std::vector<std::string> paths;  // -c: from manifests
  std::string admin;               // --admin URL: from a running Portico
  std::string output;              // -o FILE.tar.gz
  std::string controllerName;
};

// Writes the evidence an incident review wants as one .tar.gz
// (cmd_bundle.cc). Exit 0 when every part was collected, 1 when some
// could not be (the bundle lists which, in README.txt), 2 on bad arguments
// or when the file cannot be written.
int runBundle(const BundleArgs& args, std::ostream& out, std::ostream& err);
CLI::App* addBundleCommand(CLI::App& app, BundleArgs& args);

struct MigrateIngressArgs {
  std::vector<std::string> files;  // -f: files, directories, "-" = stdin
  std::string gatewayClass;        // empty: the Ingresses' class
  std::string gatewayName;         // empty: the GatewayClass name
  std::string gatewayNamespace;    // empty: the Ingresses' namespace when shared, else "default"
  std::string mirrorTo;            // [NAMESPACE/]SERVICE:PORT
  std::string output;              // -o FILE; empty = `out`
};

// Manifests to `out` (or -o), warnings and a summary line to `err`. Exit 0
// when at least one Ingress was converted, 1 when none could be, 2 on bad
// arguments (cmd_migrate.cc).
int runMigrateIngress(const MigrateIngressArgs& args, std::ostream& out, std::ostream& err);
// Registers `migrate` and returns its `ingress` subcommand.
CLI::App* addMigrateCommand(CLI::App& app, MigrateIngressArgs& args);

// Diagnostics go to `err`; results to `out`. Exit 1 when any object was
// rejected (status and config-dump still print what the valid objects
// produce), 0 otherwise.
int runValidate(const ValidateArgs& args, std::ostream& out, std::ostream& err);
int runStatus(const StatusArgs& args, std::ostream& out, std::ostream& err);
int runConfigDump(const ConfigDumpArgs& args, std::ostream& out, std::ostream& err);

// Parses argv (CLI11) and dispatches. Bad usage returns CLI11's non-zero
// code with the reason on `err`; --help and --version print to `out`.
int runCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace portico::cli
