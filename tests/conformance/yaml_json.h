// Manifests as JSON values: the runner patches objects (JSON merge patch,
// as the suite's client.Patch does), fills EndpointSlices and writes them
// back as a YAML stream of JSON documents, which keeps every scalar's type
// exactly (a quoted "true" stays a string).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace portico::conformance {

// Every document of a YAML stream; empty documents are dropped. Throws
// YAML::Exception on malformed input.
std::vector<nlohmann::json> yamlDocuments(const std::string& yaml);

// The documents as a YAML stream ("---" separated JSON documents).
std::string toYamlStream(const std::vector<nlohmann::json>& docs);

}  // namespace portico::conformance
