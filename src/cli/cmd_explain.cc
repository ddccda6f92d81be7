// `portico explain`: what Portico does with one request, from manifests.
#include <CLI/CLI.hpp>
#include <iostream>
#include <ostream>

#include "cli/commands.h"
#include "cli/live.h"
#include "cli/report_options.h"
#include "diagnose/diagnose.h"
#include "diagnose/explain.h"
#include "diagnose/terminal.h"
#include "source/loader.h"
#include "translate/translator.h"

namespace portico::cli {

int runExplain(const ExplainArgs& args, std::ostream& out, std::ostream& err) {
  diagnose::ExplainRequest req;
  req.url = args.url;
  req.method = args.method;
  for (const auto& h : args.headers) {
    const auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      err << "-H: expected 'Name: value', got '" << h << "'\n";
      return 2;
    }
    std::string value = h.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    req.headers.emplace_back(h.substr(0, colon), value);
  }
  if (!args.grpc.empty()) {
    // A gRPC call is POST /<service>/<method> with content-type
    // application/grpc (spec §6); the URL gives scheme, host and port.
    const auto slash = args.grpc.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == args.grpc.size()) {
      err << "--grpc: expected service/method, e.g. shop.Cart/Add\n";
      return 2;
    }
    const auto scheme = req.url.find("://");
    const auto pathStart = scheme == std::string::npos ? std::string::npos : req.url.find('/', scheme + 3);
    req.url = req.url.substr(0, pathStart) + "/" + args.grpc;
    req.method = "POST";
    req.headers.emplace_back("Content-Type", "application/grpc");
    req.headers.emplace_back("TE", "trailers");
  }
  if (args.admin.empty() == args.paths.empty()) {
    err << "explain: give either -c PATH... or --admin URL\n";
    return 2;
  }
  if (!args.admin.empty()) {
    QueryParams q{{"url", req.url}, {"method", req.method}};
    for (const auto& [name, value] : req.headers) q.emplace_back("header", name + ": " + value);
    addReportParams(q, args.report, out);
    return fetchReport(args.admin, withQuery("/explain", q), out, err);
  }
  const source::LoadResult in = source::loadPaths(args.paths);
  for (const auto& d : in.diagnostics) {
    if (d.severity == api::Severity::Error)
      err << d.format() << '\n';  // rejected objects: explain without them
  }
  translate::Options options;
  if (!args.report.controllerName.empty()) options.controllerName = args.report.controllerName;
  const translate::Result tr = translate::translate(in.snapshot, options);
  diagnose::Explanation e = diagnose::explain(tr.ir, in.snapshot, req);
  if (e.status == 404) {
    diagnose::Options dopt;
    dopt.translate = options;
    diagnose::addHints(e, in.snapshot, diagnose::diagnose(in, dopt));
  }
  if (args.report.format == OutputFormat::Json) {
    out << diagnose::renderExplainJson(e);
  } else {
    out << diagnose::renderExplainText(e, textOptions(args.report, out));
  }
  return e.status == 0 || (e.status >= 200 && e.status < 400) ? 0 : 1;
}

CLI::App* addExplainCommand(CLI::App& app, ExplainArgs& args) {
  CLI::App* cmd = app.add_subcommand("explain",
                                     "Trace one request: listener, every candidate rule and why it lost, "
                                     "filters, backends, upstream request.");
  cmd->add_option(
      "-c,--config", args.paths,
      "Manifest file or directory (every *.yaml, *.yml, *.json below it); '-' reads stdin. Repeatable.");
  cmd->add_option("--admin", args.admin,
                  "Trace through a running Portico's served config instead: its admin server, e.g. "
                  "http://127.0.0.1:9901");
  cmd->add_option("--url", args.url, "The request URL, e.g. http://shop.example.com:8080/api?x=1")
      ->required();
  cmd->add_option("-X,--request", args.method, "Request method")->capture_default_str();
  cmd->add_option("-H,--header", args.headers,
                  "Request header 'Name: value' (repeatable; Host overrides the URL's)");
  cmd->add_option("--grpc", args.grpc,
                  "A gRPC call instead: service/method (POST, content-type application/grpc)");
  addReportOptions(*cmd, args.report, "portico.dev/explain/v1");
  cmd->footer(
      "Exit status: 0 when the request is proxied or answered with 2xx/3xx, 1 when the client gets an "
      "error; 2 on bad arguments or when the admin server cannot be reached.");
  return cmd;
}

}  // namespace portico::cli
