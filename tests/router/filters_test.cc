// Filter helpers: path rewrite and redirect Location (§12.8), header
// modifiers (§12.9), weighted backends (§12.7).
#include <gtest/gtest.h>

#include <array>

#include "router/router_scenario.h"

namespace portico::testing {
namespace {

ir::PathRewrite prefix(std::string matched, std::string value) {
  return {ir::PathRewriteKind::Prefix, std::move(value), std::move(matched)};
}

// The IR stores a matched prefix without its trailing '/', as the translator does.
std::string normalised(std::string p) {
  if (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

TEST(RewritePath, ReplacePrefixMatchSlashRules) {
  struct Case {
    const char* path;
    const char* matched;
    const char* replacement;
    const char* want;
  };
  // The table of §12.8 (HTTPPathModifier docs).
  const Case cases[] = {
      {"/foo/bar", "/foo", "/xyz", "/xyz/bar"},
      {"/foo/bar", "/foo", "/xyz/", "/xyz/bar"},
      {"/foo/bar", "/foo/", "/xyz", "/xyz/bar"},
      {"/foo/bar", "/foo/", "/xyz/", "/xyz/bar"},
      {"/foo", "/foo", "/xyz", "/xyz"},
      {"/foo/", "/foo", "/xyz", "/xyz/"},
      {"/foo/bar", "/foo", "", "/bar"},
      {"/foo/", "/foo", "", "/"},
      {"/foo", "/foo", "", "/"},
      {"/foo/", "/foo", "/", "/"},
      {"/foo", "/foo", "/", "/"},
      {"/strip-prefix/three", "/strip-prefix", "/", "/three"},
      {"/foo/bar/baz", "/foo/bar", "/x", "/x/baz"},
      {"/a", "/", "/xyz", "/xyz/a"},
      {"/", "/", "/xyz", "/xyz/"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(router::rewritePath(prefix(normalised(c.matched), c.replacement), c.path), c.want)
        << c.path << " prefix " << c.matched << " -> " << c.replacement;
  }
  EXPECT_EQ(router::rewritePath(prefix("/foo", "/xyz"), "/other"), "/other") << "not matched: unchanged";
  EXPECT_EQ(router::rewritePath({ir::PathRewriteKind::Full, "/full", ""}, "/any/thing"), "/full");
  EXPECT_EQ(router::rewritePath({}, "/same"), "/same");
}

TEST(RedirectLocation, PortAndSchemeRules) {
  ir::Redirect r;
  // §12.8 examples.
  EXPECT_EQ(router::redirectLocation(r, "http", "h", 8080, "/", ""), "http://h:8080/");
  r.scheme = "https";
  EXPECT_EQ(router::redirectLocation(r, "http", "h", 8080, "/", ""), "https://h/");
  r.scheme = "http";
  r.port = 8080;
  EXPECT_EQ(router::redirectLocation(r, "https", "h", 443, "/", ""), "http://h:8080/");
  // Defaults left out, listener port kept, query carried.
  EXPECT_EQ(router::redirectLocation(ir::Redirect{}, "http", "h", 80, "/p", "a=1&b"), "http://h/p?a=1&b");
  EXPECT_EQ(router::redirectLocation(ir::Redirect{}, "https", "h", 443, "/p", ""), "https://h/p");
  EXPECT_EQ(router::redirectLocation(ir::Redirect{}, "https", "h", 8443, "/p", ""), "https://h:8443/p");
  ir::Redirect host;
  host.hostname = "example.org";
  EXPECT_EQ(router::redirectLocation(host, "http", "h", 80, "/p", ""), "http://example.org/p");
  ir::Redirect https443;
  https443.scheme = "https";
  https443.port = 443;
  EXPECT_EQ(router::redirectLocation(https443, "http", "h", 80, "/", ""), "https://h/");
  ir::Redirect path;
  path.path = prefix("/foo", "/bar");
  EXPECT_EQ(router::redirectLocation(path, "http", "h", 80, "/foo/x", "q=1"), "http://h/bar/x?q=1");
  path.path = {ir::PathRewriteKind::Full, "/full", ""};
  EXPECT_EQ(router::redirectLocation(path, "http", "h", 80, "/foo/x", ""), "http://h/full");
}

TEST(RedirectLocation, FromTranslatedRoute) {
  RouterScenario s(
      gatewayYaml("  - {name: http, port: 8080, protocol: HTTP}\n") +
      httpRoute("redir",
                "  - matches: [{path: {value: /old/}}]\n"
                "    filters:\n    - type: RequestRedirect\n"
                "      requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}\n"));
  const auto& r = s.port(8080);
  auto m = r.route(Req{.host = "h:8080", .path = "/old/page"}.view());
  ASSERT_NE(m.route, nullptr);
  ASSERT_TRUE(m.route->filters.redirect);
  EXPECT_EQ(m.route->filters.redirect->statusCode, 302);
  EXPECT_EQ(router::redirectLocation(*m.route->filters.redirect, "http", "h", 8080, "/old/page", "x=1"),
            "http://h:8080/new/page?x=1");
  EXPECT_EQ(router::redirectLocation(*m.route->filters.redirect, "http", "h", 8080, "/old", ""),
            "http://h:8080/new");
}

TEST(HeaderOps, SetAddRemove) {
  ir::HeaderOps ops;
  ops.set = {{"X-Header-Set", "set-overwrites-values"}};
  ops.add = {{"X-Header-Add", "add-appends-values"}};
  ops.remove = {"x-header-remove"};
  router::HeaderList h = {
      {"x-header-set", "some-other-value"}, {"X-Header-Add", "orig"}, {"X-HEADER-REMOVE", "a"}, {"keep", "1"},
      {"x-header-set", "second"},           {"x-header-remove", "b"}};
  router::applyHeaderOps(ops, h);
  router::HeaderList want = {{"X-Header-Set", "set-overwrites-values"},
                             {"X-Header-Add", "orig"},
                             {"keep", "1"},
                             {"X-Header-Add", "add-appends-values"}};
  EXPECT_EQ(h, want);
}

TEST(HeaderOps, SetAndAddWhenAbsent) {
  ir::HeaderOps ops;
  ops.set = {{"X-New", "v"}};
  ops.add = {{"X-Add", "a"}, {"X-Add-2", "b"}};
  ops.remove = {"absent"};
  router::HeaderList h;
  router::applyHeaderOps(ops, h);
  router::HeaderList want = {{"X-New", "v"}, {"X-Add", "a"}, {"X-Add-2", "b"}};
  EXPECT_EQ(h, want);
  router::applyHeaderOps(ir::HeaderOps{}, h);
  EXPECT_EQ(h, want);
}

std::vector<ir::Backend> backends(std::vector<uint32_t> weights) {
  std::vector<ir::Backend> out;
  for (uint32_t w : weights) {
    ir::Backend b;
    b.cluster = "c" + std::to_string(out.size());
    b.weight = w;
    out.push_back(std::move(b));
  }
  return out;
}

TEST(PickWeighted, ExactSharesOverAFullCycle) {
  auto b = backends({70, 30, 0});
  std::array<int, 3> counts{};
  for (uint64_t v = 0; v < 1000; ++v) counts[router::pickWeighted(b, v)]++;
  EXPECT_EQ(counts, (std::array<int, 3>{700, 300, 0}));
}

TEST(PickWeighted, SharesWithinFivePercentOverPseudoRandomValues) {
  auto b = backends({70, 30, 0});
  std::array<int, 3> counts{};
  uint64_t x = 42;
  for (int i = 0; i < 10000; ++i) {
    // splitmix64
    uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    counts[router::pickWeighted(b, z ^ (z >> 31))]++;
  }
  EXPECT_NEAR(counts[0], 7000, 500);
  EXPECT_NEAR(counts[1], 3000, 500);
  EXPECT_EQ(counts[2], 0) << "weight 0 never chosen";
}

TEST(PickWeighted, AllZeroOrEmpty) {
  EXPECT_EQ(router::pickWeighted(backends({0, 0}), 12345), -1);
  EXPECT_EQ(router::pickWeighted({}, 1), -1);
  EXPECT_EQ(router::pickWeighted(backends({0, 5}), ~0ull), 1);
  auto big = backends({0xffffffffu, 0xffffffffu});
  EXPECT_EQ(router::pickWeighted(big, 0xffffffffull), 1);
}

}  // namespace
}  // namespace portico::testing
