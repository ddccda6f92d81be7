// HTTPRoute precedence (spec §12.5): Exact path, longest prefix, method,
// header count, query count, then oldest, then namespace/name.
#include "translate/precedence.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace portico::translate {
namespace {

api::ObjectMeta meta(std::string ns, std::string name, std::string ts = "", int64_t order = 0) {
  api::ObjectMeta m;
  m.namespace_ = std::move(ns);
  m.name = std::move(name);
  m.creationTimestamp = std::move(ts);
  m.order = order;
  return m;
}

ir::Match path(ir::PathMatchKind k, std::string v) {
  ir::Match m;
  m.path = {k, std::move(v)};
  return m;
}

TEST(Precedence, ExactBeatsRegexBeatsPrefix) {
  auto m = meta("ns", "r");
  auto exact = httpSortKey(m, path(ir::PathMatchKind::Exact, "/a"), 0, 0);
  auto regex = httpSortKey(m, path(ir::PathMatchKind::Regex, "/a.*"), 0, 2);
  auto prefix = httpSortKey(m, path(ir::PathMatchKind::Prefix, "/a/very/long/prefix"), 0, 1);
  EXPECT_TRUE(precedes(exact, regex));
  EXPECT_TRUE(precedes(regex, prefix)) << "a regex is never hidden behind a catch-all prefix";
  EXPECT_FALSE(precedes(prefix, exact));
}

TEST(Precedence, LongerPrefixWinsAndRootIsLast) {
  auto m = meta("ns", "r");
  auto longer = httpSortKey(m, path(ir::PathMatchKind::Prefix, "/foo/bar"), 1, 0);
  auto shorter = httpSortKey(m, path(ir::PathMatchKind::Prefix, "/foo"), 0, 0);
  auto root = httpSortKey(m, path(ir::PathMatchKind::Prefix, "/"), 0, 0);
  EXPECT_TRUE(precedes(longer, shorter));
  EXPECT_TRUE(precedes(shorter, root));
}

TEST(Precedence, MethodThenHeadersThenQueryParams) {
  auto m = meta("ns", "r");
  auto base = path(ir::PathMatchKind::Prefix, "/");
  auto withMethod = base;
  withMethod.method = "GET";
  auto twoHeaders = base;
  twoHeaders.headers = {{ir::StringMatchKind::Exact, "a", "1"}, {ir::StringMatchKind::Exact, "b", "1"}};
  auto oneHeader = base;
  oneHeader.headers = {{ir::StringMatchKind::Exact, "a", "1"}};
  auto query = base;
  query.queryParams = {{ir::StringMatchKind::Exact, "q", "1"}};
  EXPECT_TRUE(precedes(httpSortKey(m, withMethod, 5, 0), httpSortKey(m, twoHeaders, 0, 0)));
  EXPECT_TRUE(precedes(httpSortKey(m, twoHeaders, 5, 0), httpSortKey(m, oneHeader, 0, 0)));
  EXPECT_TRUE(precedes(httpSortKey(m, oneHeader, 5, 0), httpSortKey(m, query, 0, 0)));
  EXPECT_TRUE(precedes(httpSortKey(m, query, 5, 0), httpSortKey(m, base, 0, 0)));
}

TEST(Precedence, TiesGoToTheOldestRouteThenNamespaceName) {
  auto p = path(ir::PathMatchKind::Prefix, "/x");
  auto older = httpSortKey(meta("z", "z", "2024-01-01T00:00:00Z"), p, 0, 0);
  auto newer = httpSortKey(meta("a", "a", "2025-01-01T00:00:00Z"), p, 0, 0);
  auto untimed = httpSortKey(meta("a", "a", "", 1), p, 0, 0);
  EXPECT_TRUE(precedes(older, newer));
  EXPECT_TRUE(precedes(newer, untimed));  // objects with a timestamp come first
  auto firstLoaded = httpSortKey(meta("z", "z", "", 1), p, 0, 0);
  auto laterLoaded = httpSortKey(meta("a", "a", "", 2), p, 0, 0);
  EXPECT_TRUE(precedes(firstLoaded, laterLoaded));
  auto sameTimeA = httpSortKey(meta("a", "b", "2024-01-01T00:00:00Z"), p, 0, 0);
  auto sameTimeB = httpSortKey(meta("b", "a", "2024-01-01T00:00:00Z"), p, 0, 0);
  EXPECT_TRUE(precedes(sameTimeA, sameTimeB));
}

TEST(Precedence, FirstRuleThenFirstMatchInsideOneRoute) {
  auto m = meta("ns", "r");
  auto p = path(ir::PathMatchKind::Prefix, "/x");
  EXPECT_TRUE(precedes(httpSortKey(m, p, 0, 1), httpSortKey(m, p, 1, 0)));
  EXPECT_TRUE(precedes(httpSortKey(m, p, 1, 0), httpSortKey(m, p, 1, 1)));
}

TEST(Precedence, GrpcServiceThenMethodThenHeaders) {
  auto m = meta("ns", "r");
  EXPECT_TRUE(precedes(grpcSortKey(m, 10, 0, 0, 1, 0), grpcSortKey(m, 5, 20, 5, 0, 0)));
  EXPECT_TRUE(precedes(grpcSortKey(m, 5, 6, 0, 1, 0), grpcSortKey(m, 5, 3, 5, 0, 0)));
  EXPECT_TRUE(precedes(grpcSortKey(m, 5, 3, 2, 1, 0), grpcSortKey(m, 5, 3, 1, 0, 0)));
}

}  // namespace
}  // namespace portico::translate
