// Lenient reads of cases.json and Kubernetes JSON: a missing key, null or a
// value of another type reads as empty, so checks report what differs
// instead of throwing.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace portico::conformance {

inline std::string str(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it == j.end() || !it->is_string() ? std::string() : it->get<std::string>();
}

inline bool has(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && !j[key].is_null();
}

inline const nlohmann::json& field(const nlohmann::json& j, const char* key) {
  static const nlohmann::json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

}  // namespace portico::conformance
