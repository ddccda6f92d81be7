// `portico migrate ingress`: Ingress manifests in, Gateway API manifests out.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <ostream>
#include <sstream>

#include "api/validate/patterns.h"
#include "cli/commands.h"
#include "migrate/migrate.h"

namespace portico::cli {
namespace {

namespace fs = std::filesystem;

bool manifestFile(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// Files, directories (every *.yaml, *.yml, *.json below them, sorted) and
// "-" (stdin) -> inputs; false with the reason on `err` when one is unreadable.
bool readInputs(const std::vector<std::string>& paths, std::vector<migrate::Input>& out, std::ostream& err) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code ec;
    if (path == "-") {
      files.push_back(path);
    } else if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && manifestFile(it->path())) found.push_back(it->path().string());
      }
      if (ec) {
        err << path << ": error: cannot read directory: " << ec.message() << '\n';
        return false;
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(path);
    }
  }
  for (const auto& file : files) {
    migrate::Input in;
    in.file = file;
    if (file == "-") {
      in.content.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      std::ifstream f(file, std::ios::binary);
      if (!f) {
        err << file << ": error: cannot read file\n";
        return false;
      }
      std::ostringstream ss;
      ss << f.rdbuf();
      in.content = std::move(ss).str();
    }
    out.push_back(std::move(in));
  }
  return true;
}

}  // namespace

int runMigrateIngress(const MigrateIngressArgs& args, std::ostream& out, std::ostream& err) {
  migrate::Options options;
  auto name = [&](const char* flag, const std::string& v, bool label) {
    const bool ok = label ? api::validate::isDnsLabel(v) && v.size() <= 63
                          : api::validate::isDnsSubdomain(v) && v.size() <= 253;
    if (!ok)
      err << flag << ": \"" << v << "\" is not a valid " << (label ? "namespace" : "object") << " name\n";
    return ok;
  };
  if (!args.gatewayClass.empty() && !name("--gateway-class", args.gatewayClass, false)) return 2;
  if (!args.gatewayName.empty() && !name("--gateway-name", args.gatewayName, false)) return 2;
  if (!args.gatewayNamespace.empty() && !name("--gateway-namespace", args.gatewayNamespace, true)) return 2;
  options.gatewayClass = args.gatewayClass;
  options.gatewayName = args.gatewayName;
  options.gatewayNamespace = args.gatewayNamespace;
  if (!args.mirrorTo.empty()) {
    std::string why;
    options.mirror = migrate::parseMirrorTarget(args.mirrorTo, &why);
    if (!options.mirror) {
      err << "--mirror-to: " << why << '\n';
      return 2;
    }
  }
  std::vector<migrate::Input> inputs;
  if (!readInputs(args.files, inputs, err)) return 2;

  const migrate::Result r = migrate::migrateIngress(inputs, options);
  bool invalid = false;
  for (const auto& d : r.diagnostics) {
    err << d.format() << '\n';
    invalid = invalid || (d.severity == api::Severity::Error && d.file == "<generated>");
  }
  if (r.converted == 0) {
    err << (r.ingresses == 0 ? "error: no networking.k8s.io/v1 Ingress in the input\n"
                             : "error: none of the " + std::to_string(r.ingresses) +
                                   " Ingress objects could be converted\n");
    return 1;
  }
  if (args.output.empty() || args.output == "-") {
    out << r.yaml;
  } else {
    std::ofstream f(args.output, std::ios::binary | std::ios::trunc);
    f << r.yaml;
    f.close();
    if (!f) {
      err << "-o: cannot write " << args.output << '\n';
      return 2;
    }
  }
  auto count = [](int n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); };
  err << "converted " << r.converted << " of " << count(r.ingresses, "Ingress object") << ": "
      << count(r.gateways, "Gateway") << ", " << count(r.httpRoutes, "HTTPRoute") << ", "
      << count(r.referenceGrants, "ReferenceGrant") << '\n';
  return invalid ? 1 : 0;
}

CLI::App* addMigrateCommand(CLI::App& app, MigrateIngressArgs& args) {
  CLI::App* migrate = app.add_subcommand("migrate", "Convert other APIs' objects to Gateway API manifests.");
  migrate->require_subcommand(1);
  CLI::App* cmd = migrate->add_subcommand("ingress",
                                          "networking.k8s.io/v1 Ingress (and ingress-nginx annotations) -> "
                                          "Gateway, HTTPRoutes, ReferenceGrants.");
  cmd->add_option(
         "-f,--filename", args.files,
         "Manifest file or directory (every *.yaml, *.yml, *.json below it); '-' reads stdin. Repeatable. "
         "Services in the input resolve named ports.")
      ->required();
  cmd->add_option("--gateway-class", args.gatewayClass,
                  "GatewayClass of the Gateway (default: the Ingresses' ingressClassName)");
  cmd->add_option("--gateway-name", args.gatewayName, "Name of the Gateway (default: the GatewayClass name)");
  cmd->add_option(
      "--gateway-namespace", args.gatewayNamespace,
      "Namespace of the Gateway (default: the Ingresses' namespace when they share one, else default)");
  cmd->add_option(
      "--mirror-to", args.mirrorTo,
      "[NAMESPACE/]SERVICE:PORT: add a RequestMirror filter to every rule that serves a backend, to "
      "compare the new path on live traffic before switching DNS");
  cmd->add_option("-o,--output", args.output, "Write the manifests to FILE instead of stdout");
  cmd->footer(
      "Warnings (file:line: warning: Ingress ns/name: what: why) go to stderr. See docs/migrate-ingress.md.\n"
      "Exit status: 0 when at least one Ingress was converted (warnings allowed), 1 when none could be, 2 on "
      "bad arguments.");
  return cmd;
}

}  // namespace portico::cli
