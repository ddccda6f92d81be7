// planPath(): Ingress path + pathType (+ ingress-nginx regex mode and
// rewrite-target) -> HTTPRoute path match and URLRewrite path modifier.
#include "migrate/paths.h"

#include <gtest/gtest.h>

namespace portico::migrate {
namespace {

struct Case {
  std::string path, type;
  bool regex;
  std::optional<std::string> target;
  std::string matchType, matchValue;      // "" = not converted
  std::string rewriteType, rewriteValue;  // "" = no rewrite
  bool narrowed = false;
  bool rewriteNote = false;  // a rewrite-target warning is expected
};

std::string show(const PathPlan& p) {
  std::string s = p.ok ? p.match.type + " " + p.match.value : "skipped";
  if (p.rewrite) {
    s += " | " + p.rewrite->type + " " +
         p.rewrite->replacePrefixMatch.value_or(p.rewrite->replaceFullPath.value_or(""));
  }
  for (const auto& n : p.pathNotes) s += "\n  path note: " + n;
  for (const auto& n : p.rewriteNotes) s += "\n  rewrite note: " + n;
  return s;
}

TEST(MigratePaths, Table) {
  const std::vector<Case> cases = {
      // Plain paths keep their type; ImplementationSpecific becomes PathPrefix.
      {"/cart", "Prefix", false, {}, "PathPrefix", "/cart", "", ""},
      {"/healthz", "Exact", false, {}, "Exact", "/healthz", "", ""},
      {"/legacy", "ImplementationSpecific", false, {}, "PathPrefix", "/legacy", "", ""},
      {"", "Prefix", false, {}, "PathPrefix", "/", "", ""},
      {"/a//b", "Prefix", false, {}, "", "", "", ""},
      // rewrite-target with capture groups (the ingress-nginx documentation's shape).
      {"/something(/|$)(.*)", "ImplementationSpecific", true, "/$2", "PathPrefix", "/something",
       "ReplacePrefixMatch", "/"},
      {"/something(/|$)(.*)", "Prefix", true, "/new/$2", "PathPrefix", "/something", "ReplacePrefixMatch",
       "/new/"},
      {"/api/(.*)", "ImplementationSpecific", true, "/$1", "PathPrefix", "/api", "ReplacePrefixMatch", "/"},
      {"/api(/.*)", "ImplementationSpecific", true, "/backend$1", "PathPrefix", "/api", "ReplacePrefixMatch",
       "/backend"},
      {"^/api/?(.*)", "ImplementationSpecific", true, "/$1", "PathPrefix", "/api", "ReplacePrefixMatch", "/",
       true},
      {"/(.*)", "ImplementationSpecific", true, "/$1", "PathPrefix", "/", "", ""},  // identity: no filter
      {"/shop/(.*)", "ImplementationSpecific", true, "/store/$1", "PathPrefix", "/shop", "ReplacePrefixMatch",
       "/store/"},
      // No capture group in the target: nginx replaces the whole path.
      {"/pay", "Prefix", true, "/", "PathPrefix", "/pay", "ReplaceFullPath", "/", true},
      {"/pay/", "Prefix", true, "/", "PathPrefix", "/pay/", "ReplaceFullPath", "/"},
      {"/pay$", "Prefix", true, "/checkout", "Exact", "/pay", "ReplaceFullPath", "/checkout"},
      {"/old", "Exact", true, "/new", "Exact", "/old", "ReplaceFullPath", "/new"},
      // Not expressible: the wrong group, groups in the middle, joins without '/'.
      {"/something(/|$)(.*)", "Prefix", true, "/$1", "PathPrefix", "/something", "", "", false, true},
      {"/api(/|$)(.*)", "Prefix", true, "/v2$2", "PathPrefix", "/api", "ReplacePrefixMatch", "/v2", false,
       true},
      {"/users/([0-9]+)/orders", "Prefix", true, "/orders?user=$1", "RegularExpression",
       "/users/([0-9]+)/orders.*", "", "", false, true},
      {"/pay", "Prefix", true, "/x/$1", "PathPrefix", "/pay", "", "", true, true},
      // Regular expressions without a prefix shape stay regular expressions.
      {"/(en|fr)/docs", "ImplementationSpecific", true, {}, "RegularExpression", "/(en|fr)/docs.*", "", ""},
      {"/img/.*\\.png$", "ImplementationSpecific", true, {}, "RegularExpression", "/img/.*\\.png", "", ""},
      {"/api.*", "Prefix", true, {}, "PathPrefix", "/api", "", "", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path + " " + c.type + (c.target ? " -> " + *c.target : ""));
    const PathPlan p = planPath(c.path, c.type, c.regex, c.target ? &*c.target : nullptr);
    if (c.matchType.empty()) {
      EXPECT_FALSE(p.ok) << show(p);
      EXPECT_FALSE(p.pathNotes.empty());
      continue;
    }
    ASSERT_TRUE(p.ok) << show(p);
    EXPECT_EQ(p.match.type, c.matchType) << show(p);
    EXPECT_EQ(p.match.value, c.matchValue) << show(p);
    if (c.rewriteType.empty()) {
      EXPECT_FALSE(p.rewrite.has_value()) << show(p);
    } else {
      ASSERT_TRUE(p.rewrite.has_value()) << show(p);
      EXPECT_EQ(p.rewrite->type, c.rewriteType);
      EXPECT_EQ(p.rewrite->replacePrefixMatch.value_or(p.rewrite->replaceFullPath.value_or("")),
                c.rewriteValue);
    }
    EXPECT_EQ(p.segmentNarrowed, c.narrowed) << show(p);
    EXPECT_EQ(!p.rewriteNotes.empty(), c.rewriteNote) << show(p);
  }
}

TEST(MigratePaths, ImplementationSpecificIsNoted) {
  const PathPlan p = planPath("/legacy", "ImplementationSpecific", false, nullptr);
  ASSERT_EQ(p.pathNotes.size(), 1u);
  EXPECT_NE(p.pathNotes[0].find("ImplementationSpecific converted to PathPrefix"), std::string::npos);
  EXPECT_NE(p.pathNotes[0].find("\"/legacyx\""), std::string::npos) << p.pathNotes[0];
  EXPECT_TRUE(planPath("/legacy", "Prefix", false, nullptr).pathNotes.empty());
}

TEST(MigratePaths, RegularExpressionsAreNoted) {
  const PathPlan p = planPath("/(en|fr)/docs", "Prefix", true, nullptr);
  ASSERT_EQ(p.pathNotes.size(), 1u);
  EXPECT_NE(p.pathNotes[0].find("case-sensitive"), std::string::npos);
}

TEST(MigratePaths, TargetQueryIsDropped) {
  const std::string target = "/search?from=ingress";
  const PathPlan p = planPath("/find", "Prefix", true, &target);
  ASSERT_TRUE(p.rewrite.has_value());
  EXPECT_EQ(p.rewrite->replaceFullPath.value_or(""), "/search");
  ASSERT_EQ(p.rewriteNotes.size(), 1u);
  EXPECT_NE(p.rewriteNotes[0].find("query \"?from=ingress\""), std::string::npos);
}

}  // namespace
}  // namespace portico::migrate
