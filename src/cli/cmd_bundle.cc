// `portico bundle`: the evidence an incident review wants, in one .tar.gz:
// objects and their status, the IR, diagnose (text and JSON), the served
// certificates and, from a running Portico, metrics, changes and runtime
// facts, the controller log and the last access-log lines. Offline (-c)
// computes what it can from the manifests.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <fstream>
#include <map>
#include <ostream>

#include "admin/client.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/tar_gz.h"
#include "diagnose/certificates.h"
#include "diagnose/diagnose.h"
#include "diagnose/render.h"
#include "ir/ir_json.h"
#include "run/objects.h"
#include "status/status_json.h"

namespace portico::cli {
namespace {

// What goes into the bundle, and from where in --admin mode.
struct Part {
  const char* file;
  const char* target;  // admin path; null = offline only
  const char* what;
  // A 404 means "not kept by this server" (the access log is off, or an
  // older Portico without the endpoint): noted in README.txt, not a failure.
  bool optional = false;
};

constexpr Part kParts[] = {
    {"objects.yaml", "/objects", "the loaded objects (Secret values other than certificates as digests)"},
    {"status.json", "/status", "status of every Gateway API object (Kubernetes List)"},
    {"config_dump.json", "/config_dump", "the IR the data plane serves (private keys redacted)"},
    {"diagnostics.txt", "/diagnostics", "the loader's errors and warnings"},
    {"diagnose.txt", "/diagnose?o=text&width=80&color=0", "portico diagnose, text"},
    {"diagnose.json", "/diagnose?o=json", "portico diagnose, JSON (portico.dev/diagnose/v1)"},
    {"certificates.txt", "/certificates?o=text", "per listener, the certificate chain served: names, dates"},
    {"certificates.json", "/certificates?o=json", "the same as JSON (portico.dev/certificates/v1)"},
    {"certificates-served.txt", "/certificates?served=1&o=text",
     "per TLS listener and name, the chain a handshake got and its Secret (live only)"},
    {"certificates-served.json", "/certificates?served=1&o=json",
     "the same as JSON (portico.dev/served-certificates/v1)"},
    {"metrics.txt", "/metrics", "Prometheus metrics snapshot (live only)"},
    {"changes.json", "/changes", "recent config generations (live only, portico.dev/changes/v1)"},
    {"runtime.json", "/runtime", "binds, reloads, rejected objects, backend counters (live only)"},
    {"log.txt", "/log", "the controller's last 200 log lines: reloads, rejected objects, binds (live only)"},
    {"access-log.txt", "/access-log",
     "the last 500 access-log lines, each after the UTC time it was written (live only)", true},
};

std::string stamp(std::time_t t, const char* format) {
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  return std::string(buf, std::strftime(buf, sizeof buf, format, &utc));
}

// Every part computed from manifests; the live-only parts are absent.
std::map<std::string, std::string> offline(const BundleArgs& args, std::time_t now) {
  std::map<std::string, std::string> out;
  const source::LoadResult load = source::loadPaths(args.paths);
  translate::Options topts;
  if (!args.controllerName.empty()) topts.controllerName = args.controllerName;
  const translate::Result tr = translate::translate(load.snapshot, topts);
  out["objects.yaml"] =
      run::objectsYaml(run::captureObjects(load.files, load.snapshot, load.diagnostics, {}));
  status::DocumentOptions sopts;
  sopts.lastTransitionTime = utcNowRfc3339();
  out["status.json"] = status::renderKubeList(tr.status, sopts);
  out["config_dump.json"] = ir::toJson(tr.ir, true);
  std::string diags;
  for (const auto& d : load.diagnostics) diags += d.format() + "\n";
  out["diagnostics.txt"] = diags;
  diagnose::Options dopt;
  dopt.translate = topts;
  const diagnose::Report report = diagnose::diagnose(load, dopt);
  out["diagnose.txt"] = diagnose::renderText(report, diagnose::TextOptions{80, false});
  out["diagnose.json"] = diagnose::renderJson(report);
  out["certificates.txt"] = diagnose::renderCertificatesText(tr.ir, now);
  out["certificates.json"] = diagnose::renderCertificatesJson(tr.ir, now);
  return out;
}

}  // namespace

int runBundle(const BundleArgs& args, std::ostream& out, std::ostream& err) {
  if (args.admin.empty() == args.paths.empty()) {
    err << "bundle: give either -c PATH... or --admin URL\n";
    return 2;
  }
  const std::time_t now = std::time(nullptr);
  const std::string dir = "portico-bundle-" + stamp(now, "%Y%m%dT%H%M%SZ") + "/";
  std::map<std::string, std::string> files;
  std::vector<std::string> missing, unavailable;
  if (args.admin.empty()) {
    files = offline(args, now);
  } else {
    for (const Part& p : kParts) {
      const admin::FetchResult r = admin::fetch(args.admin, p.target);
      if (r.ok && r.status == 200) {
        files[p.file] = r.body;
      } else if (p.optional && r.ok && r.status == 404) {
        const std::string why = r.body.substr(0, r.body.find('\n'));
        unavailable.push_back(std::string(p.file) + ": " + (why.empty() ? "HTTP 404" : why));
      } else {
        missing.push_back(std::string(p.file) + ": " + (r.ok ? "HTTP " + std::to_string(r.status) : r.error));
      }
    }
  }
  std::string readme = "Portico troubleshooting bundle\n\ncreated  " + stamp(now, "%Y-%m-%dT%H:%M:%SZ") +
                       "\nsource   " + (args.admin.empty() ? "manifests (portico bundle -c)" : args.admin) +
                       "\nversion  portico " + kVersion + "\n\n";
  std::vector<TarEntry> entries;
  for (const Part& p : kParts) {
    const auto it = files.find(p.file);
    if (it == files.end()) continue;
    readme += fmt::format("{:<25} {}\n", p.file, p.what);
    entries.push_back({dir + p.file, it->second});
  }
  if (!unavailable.empty()) {
    readme += "\nNot available from this server:\n";
    for (const auto& u : unavailable) readme += "  " + u + "\n";
  }
  if (!missing.empty()) {
    readme += "\nNot collected:\n";
    for (const auto& m : missing) readme += "  " + m + "\n";
  }
  readme += "\nSee docs/troubleshooting.md for the finding codes and these files' schemas.\n";
  entries.insert(entries.begin(), TarEntry{dir + "README.txt", readme});

  std::string error;
  const std::string archive = tarGz(entries, now, error);
  if (archive.empty()) {
    err << "error: " << error << '\n';
    return 2;
  }
  std::ofstream f(args.output, std::ios::binary | std::ios::trunc);
  if (!(f << archive) || !f.flush()) {
    err << "error: cannot write " << args.output << '\n';
    return 2;
  }
  out << "wrote " << args.output << " (" << entries.size() << " files, " << archive.size() << " bytes)\n";
  for (const auto& m : missing) err << "warning: not collected: " << m << '\n';
  return missing.empty() ? 0 : 1;
}

CLI::App* addBundleCommand(CLI::App& app, BundleArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "bundle",
      "Collect objects, status, IR, diagnose output, certificates (and live: metrics, changes, logs) "
      "into one .tar.gz.");
  cmd->add_option("-c,--config", args.paths,
                  "Manifest file or directory (every *.yaml, *.yml, *.json below it); '-' reads stdin. "
                  "Repeatable.");
  cmd->add_option("--admin", args.admin,
                  "Collect from a running Portico: its admin server, e.g. "
                  "http://127.0.0.1:9901");
  cmd->add_option("-o,--output", args.output, "The .tar.gz to write")->required();
  cmd->add_option("--controller-name", args.controllerName,
                  "GatewayClass controllerName to act for (-c only)");
  cmd->footer(
      "The bundle never holds private keys: Secret values other than certificates are replaced by their "
      "size and digest.\nExit status: 0 when every part was collected, 1 when some could not be (README.txt "
      "lists them), 2 on bad arguments or when the file cannot be written.");
  return cmd;
}

}  // namespace portico::cli
