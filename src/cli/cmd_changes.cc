// `portico changes --admin URL`: the recent config generations of a
// running Portico, newest first: what each changed and which conditions
// flipped with it. The server keeps the history (run/history.h); this file
// fetches it and lays it out for an 80-column terminal.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "admin/client.h"
#include "cli/commands.h"
#include "diagnose/terminal.h"

namespace portico::cli {
namespace {

using json = nlohmann::json;

// Changed objects shown per generation in text; -o json has them all (the
// startup generation adds every object).
constexpr size_t kMaxChanges = 20;

// Cuts a line to the width, marking the cut.
std::string fit(std::string line, size_t width) {
  if (width > 1 && line.size() > width) {
    line.resize(width - 1);
    line += "~";
  }
  return line;
}

std::string objectName(const json& c) {
  const std::string ns = c.value("namespace", "");
  return c.value("kind", "") + " " + (ns.empty() ? "" : ns + "/") + c.value("name", "");
}

void generation(std::ostream& out, const json& g, size_t width) {
  auto line = [&](const std::string& s) { out << fit(s, width) << '\n'; };
  line("generation " + std::to_string(g.value("generation", 0)) + "  " + g.value("time", "") + "  " +
       g.value("trigger", "") + "  " + std::to_string(g.value("objects", 0)) + " objects");
  const size_t rejected = g.value("rejected", 0), carried = g.value("carried", 0);
  if (rejected > 0) {
    line("  rejected: " + std::to_string(rejected) + " (" + std::to_string(carried) +
         " kept at their last good version)");
    for (const auto& d : g.value("diagnostics", json::array())) line("    " + d.get<std::string>());
  }
  const json changes = g.value("changes", json::array());
  if (changes.empty()) line("  no object changed");
  size_t shown = 0;
  for (const auto& c : changes) {
    if (shown++ == kMaxChanges) {
      line("  ... " + std::to_string(changes.size() - kMaxChanges) + " more (-o json lists them all)");
      break;
    }
    const std::string op = c.value("op", "");
    const char mark = op == "added" ? '+' : op == "removed" ? '-' : '~';
    line(std::string("  ") + mark + " " + objectName(c) + (op == "modified" ? "" : " (" + op + ")"));
    for (const auto& d : c.value("diff", json::array())) line("      " + d.get<std::string>());
  }
  const json conditions = g.value("conditions", json::array());
  if (!conditions.empty()) line("  conditions:");
  for (const auto& f : conditions) {
    const std::string scope = f.value("scope", "");
    line("    " + f.value("object", "") + (scope.empty() ? "" : " (" + scope + ")"));
    const std::string before = f.value("before", ""), after = f.value("after", "");
    line("      " + f.value("type", "") + ": " + (before.empty() ? "(none)" : before) + " -> " +
         (after.empty() ? "(none)" : after));
  }
  out << '\n';
}

}  // namespace

int runChanges(const ChangesArgs& args, std::ostream& out, std::ostream& err) {
  const admin::FetchResult r = admin::fetch(args.admin, "/changes");
  if (!r.ok) {
    err << "error: " << r.error << '\n';
    return 2;
  }
  if (r.status != 200) {
    err << "error: " << args.admin << "/changes answered " << r.status << ": " << r.body;
    return 2;
  }
  json doc = json::parse(r.body, nullptr, false);
  if (doc.is_discarded() || !doc.contains("generations")) {
    err << "error: " << args.admin << "/changes did not answer with a portico.dev/changes/v1 document\n";
    return 2;
  }
  if (args.last > 0 && doc["generations"].size() > static_cast<size_t>(args.last)) {
    doc["generations"].erase(doc["generations"].begin() + args.last, doc["generations"].end());
  }
  if (args.format == OutputFormat::Json) {
    out << doc.dump(2) << '\n';
    return 0;
  }
  const int width = diagnose::terminalOptions(diagnose::Color::Never, args.width, &out == &std::cout).width;
  for (const auto& g : doc["generations"]) generation(out, g, static_cast<size_t>(width));
  if (doc["generations"].empty()) out << "No config generation recorded yet.\n";
  return 0;
}

CLI::App* addChangesCommand(CLI::App& app, ChangesArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "changes", "Recent config generations of a running Portico: objects changed, conditions flipped.");
  cmd->add_option("--admin", args.admin, "The running Portico's admin server, e.g. http://127.0.0.1:9901")
      ->required();
  cmd->add_option_function<std::string>(
         "-o,--output",
         [&args](const std::string& v) {
           args.format = v == "json" ? OutputFormat::Json : OutputFormat::Text;
         },
         "Output format: text or json (schema portico.dev/changes/v1)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--width", args.width, "Text width; default: the terminal's, else 80")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--last", args.last, "Only the newest N generations")->check(CLI::Range(0, 1000000));
  cmd->footer(
      "Newest first; the server keeps the last 16 generations. Modified objects show the lines of their "
      "manifest that changed (Secret values as digests).\nExit status: 0, or 2 when the admin server cannot "
      "be reached.");
  return cmd;
}

}  // namespace portico::cli
