// conformance-report: turns the conformance runner's results (GoogleTest
// JSON of conformance_test: StatusConformance and TrafficConformance, one
// test per case each) into the upstream ConformanceReport
// (gateway.networking.k8s.io/v1, GEP-1709 profiles) and prints
// "N passed, N failed, N skipped". A case passes when every part of it
// that ran passed; it is skipped only when a part was skipped for a
// feature Portico does not declare, or because its fidelity is manual
// (docs/conformance.md); any other skip of a part with traffic counts as
// a failure, so a skip never hides one. Exit status 1 when a case failed.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "translate/translator.h"

namespace {

using nlohmann::json;

struct Part {
  std::string result;  // "passed" | "failed" | "skipped" | "" (absent)
  std::string message;
};

struct Outcome {
  std::string result;  // passed | failed | skipped
  std::string reason;
};

// Profiles of GEP-1709 with their core features; every other feature of a
// test makes it an extended test of the profiles it belongs to.
struct Profile {
  std::string name;
  std::string routeFeature;  // a test belongs to the profile when it uses this
  std::set<std::string> core;
};

const std::vector<Profile>& profiles() {
  static const std::vector<Profile> kProfiles = {
      {"GATEWAY-HTTP", "HTTPRoute", {"Gateway", "HTTPRoute", "ReferenceGrant"}},
      {"GATEWAY-GRPC", "GRPCRoute", {"Gateway", "GRPCRoute", "ReferenceGrant"}},
      {"GATEWAY-TLS", "TLSRoute", {"Gateway", "TLSRoute", "ReferenceGrant"}},
  };
  return kProfiles;
}

// gtest JSON: testsuites[].testsuite[] with name "CasePasses/<Case>" etc.
std::map<std::string, std::map<std::string, Part>> readResults(const std::string& path) {
  std::ifstream in(path);
  json j = json::parse(in, nullptr, false);
  std::map<std::string, std::map<std::string, Part>> out;  // case -> suite -> part
  if (j.is_discarded()) return out;
  for (const auto& suite : j.value("testsuites", json::array())) {
    const std::string suiteName = suite.value("name", "");  // Cases/TrafficConformance
    const std::string kind = suiteName.substr(suiteName.rfind('/') + 1);
    for (const auto& t : suite.value("testsuite", json::array())) {
      const std::string name = t.value("name", "");
      const std::string caseName = name.substr(name.rfind('/') + 1);
      Part p;
      if (t.contains("failures")) {
        p.result = "failed";
        for (const auto& f : t["failures"]) p.message += f.value("failure", "") + "\n";
      } else if (t.value("result", "") == "SKIPPED") {
        p.result = "skipped";
        for (const auto& s : t.value("skipped", json::array())) p.message += s.value("message", "");
      } else {
        p.result = "passed";
      }
      out[caseName][kind] = p;
    }
  }
  return out;
}

// Why the case may be skipped as a whole, from the data: a feature
// Portico does not declare, a mesh case, or manual fidelity. "" otherwise.
std::string skipReason(const json& c, const std::vector<std::string>& declared) {
  if (c.value("mesh", false)) return "mesh conformance (feature Mesh not declared)";
  for (const auto& f : c["features"]) {
    if (!std::binary_search(declared.begin(), declared.end(), f.get<std::string>())) {
      return "feature " + f.get<std::string>() + " not declared";
    }
  }
  if (c.value("fidelity", "") == "manual") return "fidelity manual: needs a cluster (docs/conformance.md)";
  return {};
}

// GoogleTest's JSON keeps no skip message, so which skips are legitimate is
// decided from the case itself: the traffic part of a status-only case and
// the status part of a case without status checks.
Outcome combine(const json& c, const std::map<std::string, Part>& parts,
                const std::vector<std::string>& declared) {
  if (auto why = skipReason(c, declared); !why.empty()) {
    for (const auto& [kind, p] : parts) {
      if (p.result == "failed") return {"failed", kind + ": " + p.message};
    }
    return {"skipped", why};
  }
  bool ran = false;
  for (const auto& [kind, p] : parts) {
    if (p.result == "failed") return {"failed", kind + ": " + p.message};
    if (p.result == "passed") ran = true;
    if (p.result != "skipped") continue;
    const bool hasTraffic =
        !c.value("requests", json::array()).empty() || !c.value("steps", json::array()).empty();
    const bool benign = kind == "TrafficConformance" ? !hasTraffic : c.value("status", json::array()).empty();
    if (!benign) return {"failed", kind + " did not run (skipped)"};
  }
  if (!ran) return {"failed", "no part of the case ran"};
  return {"passed", ""};
}

std::string yamlString(const std::string& s) { return json(s).dump(); }

void writeList(std::ostream& out, const std::string& indent, const std::string& key,
               const std::vector<std::string>& items) {
  if (items.empty()) return;
  out << indent << key << ":\n";
  for (const auto& i : items) out << indent << "- " << i << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes the Gateway API ConformanceReport from conformance_test results"};
  std::string results, casesPath, outPath, version = "dev", date, url;
  app.add_option("--results", results, "GoogleTest JSON output of conformance_test")->required();
  app.add_option("--cases", casesPath, "cases.json of the conformance data")->required();
  app.add_option("--out", outPath, "Where to write report.yaml")->required();
  app.add_option("--version", version, "Portico version (commit)");
  app.add_option("--date", date, "Report date (RFC 3339)");
  app.add_option("--url", url, "Where Portico is published");
  CLI11_PARSE(app, argc, argv);

  std::ifstream cin(casesPath);
  const json all = json::parse(cin, nullptr, false);
  if (all.is_discarded()) {
    std::cerr << "cannot read " << casesPath << "\n";
    return 2;
  }
  const auto parts = readResults(results);
  const auto& declared = portico::translate::supportedFeatures();

  std::map<std::string, Outcome> outcomes;
  std::vector<std::string> provisionalPassed;
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& c : all["cases"]) {
    const std::string name = c["name"];
    auto it = parts.find(name);
    Outcome o = it == parts.end() ? Outcome{"failed", "no result: the case did not run"}
                                  : combine(c, it->second, declared);
    outcomes[name] = o;
    (o.result == "passed" ? passed : o.result == "failed" ? failed : skipped)++;
    if (o.result == "passed" && c.value("provisional", false)) provisionalPassed.push_back(name);
  }

  std::ofstream out(outPath);
  out << "apiVersion: gateway.networking.k8s.io/v1\nkind: ConformanceReport\n";
  if (!date.empty()) out << "date: " << yamlString(date) << "\n";
  out << "gatewayAPIChannel: experimental\ngatewayAPIVersion: " << all["source"].value("tag", "unknown")
      << "\n";
  out << "implementation:\n  organization: portico\n  project: portico\n  url: " << yamlString(url) << "\n"
      << "  version: " << yamlString(version) << "\n  contact:\n  - '@portico/maintainers'\n";
  out << "mode: default\nprofiles:\n";
  for (const auto& prof : profiles()) {
    struct Half {
      int passed = 0, failed = 0, skipped = 0;
      std::vector<std::string> failedTests, skippedTests;
    } core, ext;
    std::set<std::string> profileFeatures;
    for (const auto& c : all["cases"]) {
      if (c.value("mesh", false)) continue;
      std::vector<std::string> feats = c["features"];
      if (std::find(feats.begin(), feats.end(), prof.routeFeature) == feats.end()) continue;
      bool isCore = true;
      for (const auto& f : feats) {
        if (!prof.core.count(f)) {
          isCore = false;
          profileFeatures.insert(f);
        }
      }
      Half& h = isCore ? core : ext;
      const Outcome& o = outcomes[c["name"]];
      if (o.result == "passed") ++h.passed;
      if (o.result == "failed") ++h.failed, h.failedTests.push_back(c["name"]);
      if (o.result == "skipped") ++h.skipped, h.skippedTests.push_back(c["name"]);
    }
    std::vector<std::string> supported, unsupported;
    for (const auto& f : profileFeatures) {
      (std::binary_search(declared.begin(), declared.end(), f) ? supported : unsupported).push_back(f);
    }
    auto result = [](const Half& h) { return h.failed ? "failure" : h.skipped ? "partial" : "success"; };
    out << "- name: " << prof.name << "\n  core:\n    result: " << result(core) << "\n";
    writeList(out, "    ", "failedTests", core.failedTests);
    writeList(out, "    ", "skippedTests", core.skippedTests);
    out << "    statistics:\n      Failed: " << core.failed << "\n      Passed: " << core.passed
        << "\n      Skipped: " << core.skipped << "\n";
    out << "  extended:\n    result: " << result(ext) << "\n";
    writeList(out, "    ", "failedTests", ext.failedTests);
    writeList(out, "    ", "skippedTests", ext.skippedTests);
    out << "    statistics:\n      Failed: " << ext.failed << "\n      Passed: " << ext.passed
        << "\n      Skipped: " << ext.skipped << "\n";
    writeList(out, "    ", "supportedFeatures", supported);
    writeList(out, "    ", "unsupportedFeatures", unsupported);
    out << "  summary: "
        << yamlString(fmt::format("core {}/{} passed, extended {}/{} passed", core.passed,
                                  core.passed + core.failed + core.skipped, ext.passed,
                                  ext.passed + ext.failed + ext.skipped))
        << "\n";
  }
  writeList(out, "", "succeededProvisionalTests", provisionalPassed);
  // Every case with its outcome, so nothing is hidden behind a profile.
  out << "# Every case (Portico extension of the report, ignored by upstream tooling):\n";
  out << "x-portico-cases:\n";
  for (const auto& c : all["cases"]) {
    const Outcome& o = outcomes[c["name"]];
    std::string reason = o.reason.substr(0, o.reason.find('\n'));
    out << "- name: " << c["name"].get<std::string>() << "\n  result: " << o.result << "\n";
    if (!reason.empty()) out << "  reason: " << yamlString(reason) << "\n";
  }
  std::cout << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
  return failed ? 1 : 0;
}
