// Which features a conformance case may rely on: those Portico declares
// (translate::supportedFeatures, the GatewayClass's supportedFeatures),
// plus, for local experiments only, those named in
// PORTICO_CONFORMANCE_FORCE_FEATURES (comma-separated, e.g.
// "TCPRoute,UDPRoute"): a case needing an undeclared feature can then be
// run by name while its data plane is being written. The runner never
// declares anything itself; `make conformance` leaves the variable unset.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace portico::conformance {

// The features of PORTICO_CONFORMANCE_FORCE_FEATURES (empty when unset).
std::vector<std::string> forcedFeatures();

// The first feature of `theCase` that is neither declared nor forced; ""
// when the case may run.
std::string missingFeature(const nlohmann::json& theCase);

// Whether `feature` is declared or forced.
bool featureClaimed(const std::string& feature);

// Why the Go test of `theCase` returns early, and so passes, without
// checking anything: its skipIfFeature is claimed, or its
// skipUnlessFeature is not. "" when it runs.
std::string earlyReturn(const nlohmann::json& theCase);

}  // namespace portico::conformance
