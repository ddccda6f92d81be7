#include "diagnose/scenario.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "diagnose/render.h"
#include "source/loader.h"
#include "support/test_support.h"

namespace portico::testing {
namespace {

std::string scenariosDir() { return sourceDir() + "/tests/diagnose/scenarios"; }

std::vector<std::string> strings(const YAML::Node& n) {
  std::vector<std::string> out;
  if (n && n.IsSequence()) {
    for (const auto& x : n) out.push_back(x.as<std::string>());
  }
  return out;
}

}  // namespace

std::vector<std::string> scenarioNames() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(scenariosDir())) {
    if (e.is_directory()) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Scenario loadScenario(const std::string& name) {
  Scenario s;
  s.name = name;
  const std::string dir = scenariosDir() + "/" + name;
  s.manifests = readFile(dir + "/input.yaml");
  const YAML::Node e = YAML::LoadFile(dir + "/expect.yaml");
  if (e["namespace"]) s.namespace_ = e["namespace"].as<std::string>();
  for (const auto& c : e["certs"]) {
    CertSecretSpec cs;
    cs.namespace_ = c["namespace"].as<std::string>();
    cs.name = c["name"].as<std::string>();
    cs.names = strings(c["names"]);
    if (c["notBeforeDays"]) cs.notBeforeDays = c["notBeforeDays"].as<int>();
    if (c["notAfterDays"]) cs.notAfterDays = c["notAfterDays"].as<int>();
    cs.caIssued = c["caIssued"] && c["caIssued"].as<bool>();
    cs.wrongKey = c["wrongKey"] && c["wrongKey"].as<bool>();
    cs.garbage = c["garbage"] && c["garbage"].as<bool>();
    if (c["type"]) cs.type = c["type"].as<std::string>();
    s.manifests += "\n---\n" + certSecretYaml(cs);
  }
  for (const auto& f : e["expect"]) {
    ExpectedFinding x;
    x.code = f["code"].as<std::string>();
    x.object = f["object"].as<std::string>();
    if (f["field"]) x.field = f["field"].as<std::string>();
    x.fixContains = strings(f["fix"]);
    x.fixApplies = f["fixApplies"] && f["fixApplies"].as<bool>();
    x.cleanAfterFix = f["cleanAfterFix"] && f["cleanAfterFix"].as<bool>();
    s.expect.push_back(std::move(x));
  }
  s.absent = strings(e["absent"]);
  s.noErrors = e["noErrors"] && e["noErrors"].as<bool>();
  s.unbindable = strings(e["unbindable"]);
  s.pendingBinds = strings(e["pendingBinds"]);
  s.addressPool = strings(e["addressPool"]);
  return s;
}

diagnose::Report diagnoseText(const std::string& manifests, const Scenario& s) {
  const source::LoadResult in = source::loadString(manifests, "input.yaml");
  diagnose::Options o;
  o.namespace_ = s.namespace_;
  o.translate.unbindable.insert(s.unbindable.begin(), s.unbindable.end());
  for (const auto& b : s.unbindable) o.translate.unbindableReasons[b] = "Address already in use";
  o.translate.pendingBinds.insert(s.pendingBinds.begin(), s.pendingBinds.end());
  o.translate.addressPool = s.addressPool;
  return diagnose::diagnose(in, o);
}

std::string fixText(const diagnose::Fix& fix) {
  std::string out = fix.summary + "\n" + fix.yaml + "\n" + diagnose::patchCommand(fix) + "\n";
  for (const auto& c : fix.commands) out += c + "\n";
  return out;
}

const diagnose::Finding* findFinding(const diagnose::Report& r, const std::string& code,
                                     const std::string& object, const std::string& field) {
  for (const auto& f : r.findings) {
    if (f.code == code && f.object.display() == object && (field.empty() || f.field == field)) return &f;
  }
  return nullptr;
}

}  // namespace portico::testing
