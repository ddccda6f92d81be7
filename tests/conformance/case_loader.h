// Loads a conformance case the way the upstream suite applies it, without
// a cluster: base manifests + the case's manifests (with the suite's
// rewrites), the suite's GatewayClass and the TLS Secrets/ConfigMaps it
// generates at run time.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "source/loader.h"

namespace portico::conformance {

inline constexpr const char* kConformanceClass = "gateway-conformance";

// $PORTICO_CONFORMANCE_DIR or <shared>/conformance; empty when absent.
std::string conformanceDir();

// cases.json, parsed; null when absent.
const nlohmann::json& cases();

// The case names, for one test per case; {"NoConformanceData"} when the
// data is absent (that test then skips with a message).
std::vector<std::string> caseNames();
// The case named `name` (must exist).
const nlohmann::json& findCase(const std::string& name);

// Every manifest of the case, rewritten and joined, plus generated objects.
std::string caseManifests(const nlohmann::json& c);

}  // namespace portico::conformance
