// A diagnose scenario: tests/diagnose/scenarios/<name>/input.yaml (the
// manifests) and expect.yaml (the findings to assert, certificates to
// generate). See tests/diagnose/README.md for the format.
#pragma once

#include <string>
#include <vector>

#include "diagnose/cert_factory.h"
#include "diagnose/diagnose.h"

namespace portico::testing {

struct ExpectedFinding {
  std::string code;
  std::string object;  // "HTTPRoute shop/store" (ObjectRef::display())
  std::string field;   // "" = any
  std::vector<std::string> fixContains;
  bool fixApplies = false;     // applying the fix makes the finding go away
  bool cleanAfterFix = false;  // ... and leaves no error at all
};

struct Scenario {
  std::string name;
  std::string manifests;  // input.yaml plus generated certificate Secrets
  std::string namespace_;
  std::vector<ExpectedFinding> expect;
  std::vector<std::string> absent;  // codes that must not be reported
  bool noErrors = false;            // no error finding at all
  // What `portico run` feeds back to the translator ("address|port|tcp").
  std::vector<std::string> unbindable, pendingBinds, addressPool;
};

std::vector<std::string> scenarioNames();
Scenario loadScenario(const std::string& name);

diagnose::Report diagnoseText(const std::string& manifests, const Scenario& options);

// Everything a reader sees of a fix: summary, YAML, patch command, commands.
std::string fixText(const diagnose::Fix& fix);

const diagnose::Finding* findFinding(const diagnose::Report& r, const std::string& code,
                                     const std::string& object, const std::string& field = "");

}  // namespace portico::testing
