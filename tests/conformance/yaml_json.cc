#include "conformance/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <regex>

namespace portico::conformance {
namespace {

using nlohmann::json;

// YAML 1.2 core schema for plain scalars; quoted scalars (tag "!") are
// always strings.
json scalar(const YAML::Node& n) {
  const std::string v = n.Scalar();
  if (n.Tag() == "!") return v;
  if (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL") return nullptr;
  if (v == "true" || v == "True" || v == "TRUE") return true;
  if (v == "false" || v == "False" || v == "FALSE") return false;
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (std::regex_match(v, kInt)) {
    try {
      return std::stoll(v);
    } catch (...) {
      return v;
    }
  }
  if (std::regex_match(v, kFloat)) return std::stod(v);
  return v;
}

json convert(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return scalar(n);
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& e : n) a.push_back(convert(e));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.Scalar()] = convert(kv.second);
      return o;
    }
  }
  return nullptr;
}

}  // namespace

std::vector<json> yamlDocuments(const std::string& yaml) {
  std::vector<json> out;
  for (const auto& doc : YAML::LoadAll(yaml)) {
    json j = convert(doc);
    if (j.is_object() && !j.empty()) out.push_back(std::move(j));
  }
  return out;
}

std::string toYamlStream(const std::vector<json>& docs) {
  std::string out;
  for (const auto& d : docs) out += "---\n" + d.dump() + "\n";
  return out;
}

}  // namespace portico::conformance
