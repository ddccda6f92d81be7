// Text rendering: one block per finding, labels in a fixed column, prose
// wrapped to the width, YAML and commands kept verbatim (copy-paste).
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "diagnose/render.h"
#include "diagnose/text.h"

namespace portico::diagnose {
namespace {

constexpr size_t kLabel = 12;  // "  evidence  " -> text starts at column 12

struct Style {
  bool on;
  std::string wrap(std::string_view code, std::string_view text) const {
    return on ? fmt::format("\033[{}m{}\033[0m", code, text) : std::string(text);
  }
  std::string severity(Severity s) const {
    switch (s) {
      case Severity::Error:
        return wrap("1;31", "ERROR");
      case Severity::Warning:
        return wrap("1;33", "WARNING");
      case Severity::Info:
        return wrap("1;36", "INFO");
    }
    return "";
  }
};

// Greedy word wrap; the first line follows `label`, the others are
// indented to the label column. Words longer than a line stay whole.
void wrapped(std::ostream& out, std::string_view label, std::string_view text, int width, size_t hang = 0) {
  const size_t avail = width > static_cast<int>(kLabel) + 20 ? static_cast<size_t>(width) - kLabel : 40;
  std::string line;
  bool first = true;
  auto flush = [&] {
    out << (first ? fmt::format("  {:<{}}", label, kLabel - 2) : std::string(kLabel + hang, ' ')) << line
        << '\n';
    first = false;
    line.clear();
  };
  std::istringstream words{std::string(text)};
  std::string w;
  while (words >> w) {
    if (!line.empty() && line.size() + 1 + w.size() + (first ? 0 : hang) > avail) flush();
    if (!line.empty()) line.push_back(' ');
    line += w;
  }
  if (!line.empty() || first) flush();
}

// JSON value -> block YAML (kubectl patch accepts YAML for -p and it stays
// readable at 80 columns). Scalars that YAML would read differently are
// quoted the JSON way, which YAML reads back unchanged.
void yamlValue(std::string& out, const nlohmann::ordered_json& v, size_t indent, bool inSequence);

std::string yamlScalar(const nlohmann::ordered_json& v) {
  if (!v.is_string()) return v.dump();
  const std::string s = v.get<std::string>();
  static const std::string plainFirst = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ/_.";
  const bool plain = !s.empty() && plainFirst.find(s[0]) != std::string::npos &&
                     s.find_first_of(":#{}[],&*!|>'\"%@`") == std::string::npos &&
                     s.find(": ") == std::string::npos && s != "true" && s != "false" && s != "null" &&
                     s != "yes" && s != "no" && s != "on" && s != "off";
  return plain ? s : v.dump();
}

void yamlValue(std::string& out, const nlohmann::ordered_json& v, size_t indent, bool inSequence) {
  const std::string pad(indent, ' ');
  if (v.is_object() && !v.empty()) {
    bool first = true;
    for (const auto& [k, x] : v.items()) {
      out += (first && inSequence) ? "" : pad;
      first = false;
      out += k + ":";
      if ((x.is_object() || x.is_array()) && !x.empty()) {
        out += "\n";
        yamlValue(out, x, x.is_array() ? indent : indent + 2, false);
      } else {
        out += " " +
               (x.is_object()  ? std::string("{}")
                : x.is_array() ? std::string("[]")
                               : yamlScalar(x)) +
               "\n";
      }
    }
  } else if (v.is_array() && !v.empty()) {
    for (const auto& x : v) {
      out += pad + "- ";
      if ((x.is_object() || x.is_array()) && !x.empty()) {
        yamlValue(out, x, indent + 2, true);
      } else {
        out += yamlScalar(x) + "\n";
      }
    }
  } else {
    out += pad + yamlScalar(v) + "\n";
  }
}

void verbatim(std::ostream& out, std::string_view block) {
  std::istringstream in{std::string(block)};
  std::string line;
  while (std::getline(in, line)) out << std::string(kLabel + 2, ' ') << line << '\n';
}

void finding(std::ostream& out, const Finding& f, const TextOptions& o, const Style& st) {
  out << st.severity(f.severity) << "  " << st.wrap("1", f.code) << '\n';
  wrapped(out, "object", f.object.display(), o.width);
  if (!f.field.empty()) wrapped(out, "field", f.field, o.width);
  if (!f.symptom.empty()) wrapped(out, "symptom", f.symptom, o.width);
  if (!f.cause.empty()) wrapped(out, "cause", f.cause, o.width);
  bool firstEvidence = true;
  for (const auto& e : f.evidence) {
    wrapped(out, firstEvidence ? "evidence" : "", "- " + e.text, o.width, 2);
    firstEvidence = false;
  }
  if (!f.fix.empty()) {
    wrapped(out, "fix", f.fix.summary, o.width);
    if (!f.fix.yaml.empty()) {
      out << '\n';
      verbatim(out, f.fix.yaml);
    }
    if (const std::string cmd = patchCommand(f.fix); !cmd.empty()) {
      out << '\n';
      verbatim(out, cmd);
    }
    if (f.fix.yaml.empty() && f.fix.patch.empty() && !f.fix.commands.empty()) out << '\n';
    for (const auto& c : f.fix.commands) verbatim(out, c);
  }
  wrapped(out, "docs", docsLink(f.code), o.width);
  out << '\n';
}

std::string counts(const Summary& s) {
  auto plural = [](int n, std::string_view word) {
    return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
  };
  return fmt::format("{}, {}, {} info", plural(s.errors, "error"), plural(s.warnings, "warning"), s.infos);
}

}  // namespace

std::string patchCommand(const Fix& fix) {
  if (fix.patch.empty()) return {};
  nlohmann::ordered_json ops = nlohmann::ordered_json::array();
  for (const auto& p : fix.patch) {
    nlohmann::ordered_json op = {{"op", p.op}, {"path", p.path}};
    if (!p.valueJson.empty()) op["value"] = nlohmann::ordered_json::parse(p.valueJson);
    ops.push_back(std::move(op));
  }
  std::string yaml;
  yamlValue(yaml, ops, 0, false);
  if (fix.patch.size() == 1 && fix.patch[0].path == "/apiVersion") {
    return "# edit the manifest (apiVersion cannot be patched in place):\n" + yaml;
  }
  // A single quote cannot appear inside '...' in sh: close, escape, reopen.
  std::string quoted;
  for (char c : yaml) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  std::string cmd = "kubectl patch " + detail::kubectlResource(fix.target.kind) + " " + fix.target.name;
  if (!fix.target.namespace_.empty()) cmd += " -n " + fix.target.namespace_;
  return cmd + " --type=json -p '\n" + quoted + "'";
}

std::string renderText(const Report& report, const TextOptions& o) {
  const Style st{o.color};
  std::ostringstream out;
  out << "portico diagnose: " << counts(report.summary) << " in " << report.summary.objects << " objects\n";
  if (report.live) {
    const LiveState& l = *report.live;
    out << fmt::format("live: config generation {} ({}, {}); reloads {} clean, {} with rejected objects\n",
                       l.generation, l.trigger, l.appliedAt, l.reloadsOk, l.reloadsRejected);
  }
  out << '\n';
  for (const auto& f : report.findings) finding(out, f, o, st);
  if (report.findings.empty())
    out << "No problem found: every chain from GatewayClass to endpoints is complete.\n";
  return out.str();
}

std::string renderComparisonText(const Comparison& c, const TextOptions& o) {
  const Style st{o.color};
  std::ostringstream out;
  out << fmt::format("portico diagnose --with: {} introduced, {} fixed, {} unchanged\n", c.introduced.size(),
                     c.fixed.size(), c.unchanged.size());
  out << "before: " << counts(c.before) << "\nafter:  " << counts(c.after) << "\n\n";
  auto section = [&](std::string_view title, const std::vector<Finding>& fs, bool full) {
    if (fs.empty()) return;
    out << st.wrap("1", title) << " (" << fs.size() << ")\n\n";
    for (const auto& f : fs) {
      if (full) {
        finding(out, f, o, st);
      } else {
        out << "  " << st.severity(f.severity) << "  " << f.code << "  " << f.object.display()
            << (f.field.empty() ? "" : "  " + f.field) << '\n';
      }
    }
    if (!full) out << '\n';
  };
  section("INTRODUCED by the change", c.introduced, true);
  section("FIXED by the change", c.fixed, false);
  section("UNCHANGED", c.unchanged, false);
  return out.str();
}

}  // namespace portico::diagnose
