// JSON rendering, schema "portico.dev/diagnose/v1" (docs/troubleshooting.md
// "JSON output"). Stable: fields are added, never renamed or removed.
#include <nlohmann/json.hpp>

#include "diagnose/render.h"

namespace portico::diagnose {
namespace {

using json = nlohmann::ordered_json;  // keys in the documented order

constexpr const char* kSchema = "portico.dev/diagnose/v1";

json object(const ObjectRef& o) { return {{"kind", o.kind}, {"namespace", o.namespace_}, {"name", o.name}}; }

json summary(const Summary& s) {
  return {{"errors", s.errors}, {"warnings", s.warnings}, {"infos", s.infos}, {"objects", s.objects}};
}

json finding(const Finding& f) {
  json j;
  j["code"] = f.code;
  j["severity"] = std::string(severityName(f.severity));
  const CodeInfo* info = findCode(f.code);
  j["title"] = info ? std::string(info->title) : std::string();
  j["object"] = object(f.object);
  j["field"] = f.field;
  j["subject"] = f.subject;
  j["symptom"] = f.symptom;
  j["cause"] = f.cause;
  j["evidence"] = json::array();
  for (const auto& e : f.evidence) j["evidence"].push_back({{"kind", e.kind}, {"text", e.text}});
  json fix;
  fix["summary"] = f.fix.summary;
  fix["yaml"] = f.fix.yaml;
  fix["commands"] = f.fix.commands;
  if (!f.fix.patch.empty()) {
    json ops = json::array();
    for (const auto& p : f.fix.patch) {
      json op = {{"op", p.op}, {"path", p.path}};
      if (!p.valueJson.empty()) op["value"] = json::parse(p.valueJson);
      ops.push_back(std::move(op));
    }
    fix["patch"] = {
        {"target", object(f.fix.target)}, {"operations", std::move(ops)}, {"command", patchCommand(f.fix)}};
  } else {
    fix["patch"] = nullptr;
  }
  j["fix"] = std::move(fix);
  j["related"] = json::array();
  for (const auto& r : f.related) j["related"].push_back(object(r));
  j["docs"] = docsLink(f.code);
  return j;
}

json findings(const std::vector<Finding>& fs) {
  json out = json::array();
  for (const auto& f : fs) out.push_back(finding(f));
  return out;
}

}  // namespace

std::string renderJson(const Report& report) {
  json j = {{"apiVersion", kSchema},
            {"kind", "DiagnoseReport"},
            {"summary", summary(report.summary)},
            {"findings", findings(report.findings)}};
  if (report.live) {
    const LiveState& l = *report.live;
    j["live"] = {{"generation", l.generation},
                 {"appliedAt", l.appliedAt},
                 {"trigger", l.trigger},
                 {"reloads", {{"clean", l.reloadsOk}, {"rejected", l.reloadsRejected}}}};
  }
  return j.dump(2) + "\n";
}

std::string renderComparisonJson(const Comparison& c) {
  json j = {{"apiVersion", kSchema},
            {"kind", "DiagnoseComparison"},
            {"before", summary(c.before)},
            {"after", summary(c.after)},
            {"introduced", findings(c.introduced)},
            {"fixed", findings(c.fixed)},
            {"unchanged", findings(c.unchanged)}};
  return j.dump(2) + "\n";
}

}  // namespace portico::diagnose
