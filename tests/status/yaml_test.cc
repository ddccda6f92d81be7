// The YAML output must carry exactly the data of the JSON output when read
// back with YAML 1.1 rules (what Kubernetes tooling uses): every string
// that could be mistaken for a bool, null or number has to be quoted.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include "status/sample_status.h"
#include "status/status_json.h"
#include "status/yaml_emit.h"

namespace portico::status {
namespace {

using nlohmann::json;

bool isYaml11Bool(const std::string& s, bool& value) {
  static const std::vector<std::string> kTrue{"y",    "Y",    "yes", "Yes", "YES", "true",
                                              "True", "TRUE", "on",  "On",  "ON"};
  static const std::vector<std::string> kFalse{"n",     "N",     "no",  "No",  "NO", "false",
                                               "False", "FALSE", "off", "Off", "OFF"};
  if (std::find(kTrue.begin(), kTrue.end(), s) != kTrue.end()) return value = true, true;
  if (std::find(kFalse.begin(), kFalse.end(), s) != kFalse.end()) return value = false, true;
  return false;
}

// yaml-cpp does no type resolution; do it here: quoted scalars (tag "!")
// are strings, plain ones resolve like YAML 1.1 would.
json toJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : n) out[kv.first.as<std::string>()] = toJson(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& v : n) out.push_back(toJson(v));
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string s = n.Scalar();
      if (n.Tag() == "!") return s;
      bool b = false;
      if (isYaml11Bool(s, b)) return b;
      if (s == "null" || s == "~" || s.empty()) return nullptr;
      try {
        size_t used = 0;
        long long v = std::stoll(s, &used, 0);  // base 0: 0x.. and 0.. forms too
        if (used == s.size()) return v;
        double d = std::stod(s, &used);
        if (used == s.size()) return d;
      } catch (...) {
      }
      return s;
    }
    default:
      return nullptr;
  }
}

json roundTrip(const json& doc) { return toJson(YAML::Load(toYaml(doc))); }

TEST(StatusYaml, RoundTripsToTheJsonDocument) {
  DocumentOptions opts;
  opts.lastTransitionTime = "2025-01-02T03:04:05Z";
  const json fromJson = json::parse(renderKubeList(testing::sampleStatus(), opts));
  opts.format = DocumentFormat::Yaml;
  const json fromYaml = toJson(YAML::Load(renderKubeList(testing::sampleStatus(), opts)));
  EXPECT_EQ(fromYaml, fromJson);
}

TEST(StatusYaml, ConditionStatusIsQuoted) {
  DocumentOptions opts;
  opts.format = DocumentFormat::Yaml;
  opts.lastTransitionTime = "2025-01-02T03:04:05Z";
  const std::string yaml = renderKubeList(testing::sampleStatus(), opts);
  EXPECT_NE(yaml.find("status: \"True\""), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("lastTransitionTime: \"2025-01-02T03:04:05Z\""), std::string::npos);
  EXPECT_NE(yaml.find("kind: List"), std::string::npos);
}

TEST(StatusYaml, KubectlStyleLayout) {
  const json doc = json::parse(R"({"a":{"b":[{"c":1,"d":"x"},"e"]},"f":[],"g":{}})");
  EXPECT_EQ(toYaml(doc), "a:\n  b:\n  - c: 1\n    d: x\n  - e\nf: []\ng: {}\n");
}

TEST(StatusYaml, AmbiguousStringsSurviveRoundTrip) {
  const std::vector<std::string> tricky{
      "True",   "false", "yes",        "No",     "on",         "OFF",         "y",     "null",
      "~",      "",      "1",          "-1",     "1.5",        "0x1F",        "1e3",   "0o17",
      ".inf",   "12:30", "2025-01-01", "- item", "key: value", "a #comment",  "#x",    "&anchor",
      "*alias", "!tag",  "[x]",        "{x}",    "|",          ">",           "'q'",   "\"dq\"",
      "%d",     "@at",   "`bt`",       " lead",  "trail ",     "line\nbreak", "tab\t", "trailing:",
      "?",      ":",     ",",          "<<",     "ünïcödé",    "ctrl\x01",    "/api",  "Route is accepted",
      "a,b"};
  for (const auto& s : tricky) {
    const json doc{{"v", s}, {"list", {s}}};
    EXPECT_EQ(roundTrip(doc), doc) << "value: [" << s << "] yaml:\n" << toYaml(doc);
  }
}

TEST(StatusYaml, ScalarsKeepTheirTypes) {
  const json doc{{"int", 42}, {"neg", -7}, {"bool", true}, {"null", nullptr}, {"str", "plain"}};
  EXPECT_EQ(roundTrip(doc), doc);
}

TEST(StatusYaml, NestedSequences) {
  const json doc = json::parse(R"({"m":[[1,2],[{"a":"b"}],[]]})");
  EXPECT_EQ(roundTrip(doc), doc) << toYaml(doc);
}

TEST(StatusYaml, AmbiguousKeysAreQuoted) {
  const json doc = json::parse(R"({"on":1,"1":2,"a b":3})");
  EXPECT_EQ(roundTrip(doc), doc) << toYaml(doc);
}

}  // namespace
}  // namespace portico::status
