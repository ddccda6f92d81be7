// Helpers for the migrate tests: run the conversion on manifest text, load
// its output with the loader `portico validate` uses, look objects up.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "migrate/migrate.h"
#include "source/loader.h"

namespace portico::testing {

struct Migrated {
  migrate::Result result;
  source::LoadResult output;  // result.yaml loaded as `portico validate` would

  // Every diagnostic as its formatted line.
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (const auto& d : result.diagnostics) out.push_back(d.format());
    return out;
  }
  // The formatted diagnostics containing every one of `parts`.
  std::vector<std::string> find(const std::vector<std::string>& parts) const {
    std::vector<std::string> out;
    for (const auto& l : lines()) {
      bool all = true;
      for (const auto& p : parts) all = all && l.find(p) != std::string::npos;
      if (all) out.push_back(l);
    }
    return out;
  }
  bool warned(const std::vector<std::string>& parts) const { return !find(parts).empty(); }
  std::string allLines() const {
    std::string s;
    for (const auto& l : lines()) s += l + "\n";
    return s;
  }

  const api::HTTPRoute* route(const std::string& ns, const std::string& name) const {
    return output.snapshot.httpRoutes.find(ns, name);
  }
  const api::Gateway* gateway() const {
    return output.snapshot.gateways.empty() ? nullptr : output.snapshot.gateways.begin()->second.get();
  }
  std::vector<std::string> routeNames() const {
    std::vector<std::string> out;
    for (const auto& [key, r] : output.snapshot.httpRoutes) out.push_back(key);
    return out;
  }
};

// Converts `yaml` (as file "in.yaml") and loads the output, failing the
// test on any error the loader reports for it.
inline Migrated migrateYaml(const std::string& yaml, const migrate::Options& options = {},
                            const std::string& file = "in.yaml") {
  Migrated m;
  m.result = migrate::migrateIngress({migrate::Input{file, yaml}}, options);
  m.output = source::loadString(m.result.yaml, "out.yaml");
  for (const auto& d : m.output.diagnostics) {
    if (d.severity == api::Severity::Error)
      ADD_FAILURE() << "output rejected: " << d.format() << "\n" << m.result.yaml;
  }
  for (const auto& d : m.result.diagnostics) {
    if (d.severity == api::Severity::Error) ADD_FAILURE() << "conversion error: " << d.format();
  }
  return m;
}

// An Ingress manifest: `spec` is the YAML under `spec:` (indented by 2),
// `annotations` the lines under metadata.annotations (indented by 4).
inline std::string ingressYaml(const std::string& name, const std::string& spec,
                               const std::string& annotations = "", const std::string& ns = "shop") {
  std::string s = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name +
                  "\n  namespace: " + ns + "\n";
  if (!annotations.empty()) s += "  annotations:\n" + annotations;
  return s + "spec:\n" + spec;
}

inline std::string nginx(const std::string& key, const std::string& value) {
  return "    nginx.ingress.kubernetes.io/" + key + ": \"" + value + "\"\n";
}

// One rule: host (may be empty), then (path, pathType, service, port) paths.
struct P {
  std::string path, type, service;
  int port = 80;
};
inline std::string rulesYaml(const std::string& host, const std::vector<P>& paths) {
  std::string s = "  rules:\n  - " + (host.empty() ? std::string() : "host: \"" + host + "\"\n    ") +
                  "http:\n      paths:\n";
  for (const auto& p : paths) {
    s += "      - path: \"" + p.path + "\"\n        pathType: " + p.type +
         "\n        backend:\n          service:\n" + "            name: " + p.service +
         "\n            port: {number: " + std::to_string(p.port) + "}\n";
  }
  return s;
}

}  // namespace portico::testing
