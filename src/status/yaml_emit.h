// A minimal JSON -> YAML (block style) emitter for the documents Portico
// prints. Kept in-house because yaml-cpp's emitter leaves YAML 1.1 booleans
// such as `True` unquoted, which Kubernetes tooling would read as bools.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace portico::status {

// Sequences under a mapping key are not indented (kubectl style). Strings
// that could be read as anything but a string are double-quoted.
std::string toYaml(const nlohmann::json& doc);

}  // namespace portico::status
