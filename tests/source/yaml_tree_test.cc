// source/yaml: the libyaml-built tree every manifest is decoded from, and
// its conversions to and from JSON.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "source/yaml/json.h"
#include "source/yaml/parse.h"
#include "source/yaml/resolve.h"

namespace portico::source::yaml {
namespace {

std::shared_ptr<const Tree> parseOk(std::string_view text) {
  Parsed p = parseDocument(text);
  EXPECT_TRUE(p.tree) << p.error.message;
  return p.tree;
}

TEST(YamlTree, MapsListsAndScalarsInDocumentOrder) {
  auto tree = parseOk(
      "kind: HTTPRoute\n"
      "spec:\n"
      "  hostnames: [a.example, \"b.example\"]\n"
      "  rules:\n"
      "  - matches:\n"
      "    - path: {type: PathPrefix, value: /}\n"
      "empty: {}\n"
      "none: ~\n");
  const Node root = tree->root();
  ASSERT_TRUE(root.isMap());
  EXPECT_EQ(root.size(), 4u);
  std::vector<std::string> keys;
  for (auto it = root.begin(); it != root.end(); ++it) keys.emplace_back((*it).first.scalar());
  EXPECT_EQ(keys, (std::vector<std::string>{"kind", "spec", "empty", "none"}));
  EXPECT_EQ(root["kind"].scalar(), "HTTPRoute");
  const Node hosts = root["spec"]["hostnames"];
  ASSERT_TRUE(hosts.isList());
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts.at(0).scalar(), "a.example");
  EXPECT_EQ(hosts.at(1).scalar(), "b.example");
  EXPECT_EQ(root["spec"]["rules"].at(0)["matches"].at(0)["path"]["value"].scalar(), "/");
  EXPECT_TRUE(root["empty"].isMap());
  EXPECT_EQ(root["empty"].size(), 0u);
  EXPECT_TRUE(root["none"].isScalar());
  EXPECT_EQ(scalarType(root["none"]), PlainType::Null);
}

TEST(YamlTree, MissingKeysAreUndefinedAndReadAsNull) {
  auto tree = parseOk("a: 1\n");
  const Node missing = tree->root()["b"];
  EXPECT_FALSE(missing.defined());
  EXPECT_FALSE(static_cast<bool>(missing));
  EXPECT_TRUE(missing.isNull());
  EXPECT_FALSE(missing["c"].defined());
  EXPECT_EQ(missing.size(), 0u);
  EXPECT_TRUE(missing.begin() == missing.end());
  EXPECT_FALSE(tree->root()["a"].at(0).defined());  // a scalar has no elements
}

TEST(YamlTree, QuotingDecidesTheScalarType) {
  auto tree = parseOk(
      "plain: 80\n"
      "quoted: \"80\"\n"
      "single: 'true'\n"
      "block: |\n  text\n"
      "tagged: !!str 443\n"
      "bool: True\n"
      "float: 1.5e3\n"
      "word: yes\n");
  const Node r = tree->root();
  EXPECT_EQ(r["plain"].tag(), "?");
  EXPECT_EQ(scalarType(r["plain"]), PlainType::Integer);
  EXPECT_EQ(r["quoted"].tag(), "!");
  EXPECT_EQ(scalarType(r["quoted"]), PlainType::String);
  EXPECT_EQ(scalarType(r["single"]), PlainType::String);
  EXPECT_EQ(r["block"].scalar(), "text\n");
  EXPECT_EQ(scalarType(r["block"]), PlainType::String);
  EXPECT_EQ(r["tagged"].tag(), "tag:yaml.org,2002:str");
  EXPECT_EQ(scalarType(r["tagged"]), PlainType::String);
  EXPECT_EQ(scalarType(r["bool"]), PlainType::Boolean);
  EXPECT_EQ(scalarType(r["float"]), PlainType::Number);
  // YAML 1.2 core schema, as Kubernetes reads it: `yes` is a string.
  EXPECT_EQ(scalarType(r["word"]), PlainType::String);
}

TEST(YamlTree, MarksAreZeroBasedLinesAndColumns) {
  auto tree = parseOk("# comment\nmetadata:\n  name: web\nspec:\n  rules:\n  - x: 1\n");
  const Node r = tree->root();
  EXPECT_EQ(r.mark().line, 1);
  EXPECT_EQ(r["metadata"]["name"].mark().line, 2);
  EXPECT_EQ(r["metadata"]["name"].mark().column, 8);
  EXPECT_EQ(r["spec"]["rules"].at(0)["x"].mark().line, 5);
}

TEST(YamlTree, AliasesShareTheAnchoredNode) {
  auto tree = parseOk(
      "base: &labels {app: web, tier: front}\n"
      "copy: *labels\n"
      "name: &n web\n"
      "again: *n\n");
  const Node r = tree->root();
  ASSERT_TRUE(r["copy"].isMap());
  EXPECT_EQ(r["copy"]["tier"].scalar(), "front");
  EXPECT_EQ(r["again"].scalar(), "web");
}

TEST(YamlTree, AliasBombsAndCyclesAreRejected) {
  // Each level doubles the walk: 2^25 nodes from a few hundred bytes.
  std::string bomb = "a0: &a0 [x, x]\n";
  for (int i = 1; i <= 25; ++i) {
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" + std::to_string(i - 1) + ", *a" +
            std::to_string(i - 1) + "]\n";
  }
  Parsed p = parseDocument(bomb);
  EXPECT_FALSE(p.tree);
  EXPECT_NE(p.error.message.find("aliases expand"), std::string::npos) << p.error.message;

  p = parseDocument("a: &self [1, *self]\n");
  EXPECT_FALSE(p.tree);
  EXPECT_NE(p.error.message.find("contains it"), std::string::npos) << p.error.message;

  p = parseDocument("a: *nowhere\n");
  EXPECT_FALSE(p.tree);
  EXPECT_NE(p.error.message.find("unknown anchor \"nowhere\""), std::string::npos) << p.error.message;
}

TEST(YamlTree, SyntaxErrorsNameTheLine) {
  Parsed p = parseDocument("a: 1\nb: [1, 2\nc: 3\n");
  ASSERT_FALSE(p.tree);
  EXPECT_EQ(p.error.message.rfind("malformed YAML: ", 0), 0u) << p.error.message;
  EXPECT_GE(p.error.line, 1);

  p = parseDocument("a: 1\n  b: 2\n");
  ASSERT_FALSE(p.tree);
  EXPECT_EQ(p.error.line, 1) << p.error.message;
}

TEST(YamlTree, NestingIsBounded) {
  Parsed p = parseDocument(std::string(600, '[') + std::string(600, ']'));
  ASSERT_FALSE(p.tree);
  EXPECT_NE(p.error.message.find("nested deeper than"), std::string::npos) << p.error.message;
  EXPECT_TRUE(parseDocument(std::string(100, '[') + std::string(100, ']')).tree);
}

TEST(YamlTree, EmptyAndCommentOnlyInputIsNull) {
  auto tree = parseOk("");
  EXPECT_TRUE(tree->root().isNull());
  tree = parseOk("# nothing here\n");
  EXPECT_TRUE(tree->root().isNull());
}

TEST(YamlTree, OnlyTheFirstDocumentIsRead) {
  auto tree = parseOk("a: 1\n---\nb: 2\n");
  EXPECT_EQ(tree->root()["a"].scalar(), "1");
  EXPECT_FALSE(tree->root()["b"].defined());
}

TEST(YamlJson, JsonStringsStayStringsWhateverTheyLookLike) {
  const auto tree = fromJson(nlohmann::json::parse(R"({"port": 80, "name": "80", "on": true, "x": null,
                                                       "list": ["true", 1.5]})"));
  const Node r = tree->root();
  EXPECT_EQ(scalarType(r["port"]), PlainType::Integer);
  EXPECT_EQ(scalarType(r["name"]), PlainType::String);
  EXPECT_EQ(r["name"].scalar(), "80");
  EXPECT_EQ(scalarType(r["on"]), PlainType::Boolean);
  EXPECT_TRUE(r["x"].isNull());
  EXPECT_TRUE(r["x"].defined());
  EXPECT_EQ(scalarType(r["list"].at(0)), PlainType::String);
  EXPECT_EQ(scalarType(r["list"].at(1)), PlainType::Number);
  EXPECT_TRUE(r.mark().isNull());
}

TEST(YamlJson, ToJsonTypesScalarsAsDecodingDoes) {
  auto tree = parseOk(
      "port: 80\n"
      "name: \"80\"\n"
      "big: 99999999999999999999999\n"
      "ratio: 0.5\n"
      "on: true\n"
      "off: ~\n"
      "hosts: [a, b]\n");
  const nlohmann::json j = toJson(tree->root());
  EXPECT_EQ(j["port"], 80);
  EXPECT_EQ(j["name"], "80");
  EXPECT_EQ(j["big"], "99999999999999999999999");  // too big for int64: kept as text
  EXPECT_EQ(j["ratio"], 0.5);
  EXPECT_EQ(j["on"], true);
  EXPECT_TRUE(j["off"].is_null());
  EXPECT_EQ(j["hosts"], nlohmann::json::array({"a", "b"}));
}

TEST(YamlJson, DeepJsonIsRejectedNotOverflowed) {
  nlohmann::json deep = nlohmann::json::array();
  nlohmann::json* cur = &deep;
  for (int i = 0; i < 600; ++i) {
    cur->push_back(nlohmann::json::array());
    cur = &(*cur)[0];
  }
  EXPECT_THROW(fromJson(deep), std::invalid_argument);
}

}  // namespace
}  // namespace portico::source::yaml
