// `portico diagnose`: findings for every chain of the input, or with
// --with the findings a change introduces, fixes and leaves.
#include <CLI/CLI.hpp>
#include <iostream>
#include <ostream>

#include "cli/commands.h"
#include "cli/live.h"
#include "cli/report_options.h"
#include "diagnose/diagnose.h"
#include "diagnose/render.h"
#include "diagnose/terminal.h"

namespace portico::cli {

namespace {

// The same analysis, run by the server on what it serves, plus PD-LIVE-*.
int runLive(const DiagnoseArgs& args, std::ostream& out, std::ostream& err) {
  QueryParams q;
  addReportParams(q, args.report, out);
  if (!args.namespace_.empty()) q.emplace_back("namespace", args.namespace_);
  if (!args.now.empty()) q.emplace_back("now", args.now);
  return fetchReport(args.admin, withQuery("/diagnose", q), out, err);
}

}  // namespace

int runDiagnose(const DiagnoseArgs& args, std::ostream& out, std::ostream& err) {
  if (args.admin.empty() == args.paths.empty()) {
    err << "diagnose: give either -c PATH... or --admin URL\n";
    return 2;
  }
  if (!args.admin.empty()) {
    if (!args.with.empty() || !args.report.controllerName.empty()) {
      err << "diagnose: --with and --controller-name need -c (a running Portico has its own)\n";
      return 2;
    }
    return runLive(args, out, err);
  }
  diagnose::Options options;
  if (!args.report.controllerName.empty()) options.translate.controllerName = args.report.controllerName;
  options.namespace_ = args.namespace_;
  if (!args.now.empty()) {
    options.now = diagnose::parseRfc3339(args.now);
    if (options.now == 0) {
      err << "--now: expected an RFC 3339 time such as 2025-01-31T12:00:00Z\n";
      return 2;
    }
  }
  const diagnose::TextOptions text = textOptions(args.report, out);
  // Loader diagnostics become findings (PD-INPUT-*), so they are not
  // printed to stderr as well.
  const source::LoadResult base = source::loadPaths(args.paths);
  if (args.with.empty()) {
    const diagnose::Report report = diagnose::diagnose(base, options);
    out << (args.report.format == OutputFormat::Json ? diagnose::renderJson(report)
                                                     : diagnose::renderText(report, text));
    return report.summary.errors > 0 ? 1 : 0;
  }
  const source::LoadResult change = source::loadPaths(args.with);
  const diagnose::Report before = diagnose::diagnose(base, options);
  const diagnose::Report after = diagnose::diagnose(diagnose::overlay(base, change), options);
  const diagnose::Comparison c = diagnose::compare(before, after);
  out << (args.report.format == OutputFormat::Json ? diagnose::renderComparisonJson(c)
                                                   : diagnose::renderComparisonText(c, text));
  // A change is judged by what it adds: errors it introduces fail the run,
  // errors it leaves as they were do not.
  for (const auto& f : c.introduced) {
    if (f.severity == diagnose::Severity::Error) return 1;
  }
  return 0;
}

CLI::App* addDiagnoseCommand(CLI::App& app, DiagnoseArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "diagnose",
      "Walk GatewayClass -> Gateway -> listener -> route -> backend -> endpoints and report findings.");
  cmd->add_option(
      "-c,--config", args.paths,
      "Manifest file or directory (every *.yaml, *.yml, *.json below it); '-' reads stdin. Repeatable.");
  cmd->add_option("--admin", args.admin,
                  "Diagnose a running Portico instead: its admin server, e.g. http://127.0.0.1:9901. Adds "
                  "runtime findings (PD-LIVE-*) and bind failures.");
  cmd->add_option(
      "--with", args.with,
      "A change (files or directories) applied on top of the input: report the findings it introduces, "
      "fixes and leaves. Repeatable.");
  cmd->add_option("-n,--namespace", args.namespace_,
                  "Only findings on objects of this namespace (or involving it)");
  addReportOptions(*cmd, args.report, "portico.dev/diagnose/v1");
  cmd->add_option("--now", args.now, "Reference time for certificate dates (RFC 3339); default: now");
  cmd->footer(
      "Every finding has a stable code documented in docs/troubleshooting.md.\nExit status: 1 when there are "
      "errors (with --with: when the change introduces an error), 0 otherwise; 2 on bad arguments or when "
      "the admin server cannot be reached.");
  return cmd;
}

}  // namespace portico::cli
