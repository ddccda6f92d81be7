// RouteMemo (translate/route_memo.h): across a sequence of snapshots that
// share objects, as `portico run` reloads produce them, a memoized
// translation equals a fresh one, and only new route objects are compiled.
#include <gtest/gtest.h>

#include "ir/ir_json.h"
#include "source/loader.h"
#include "status/status_json.h"
#include "support/test_support.h"
#include "translate/translator.h"

namespace portico::testing {
namespace {

std::string rendered(const translate::Result& r) {
  status::DocumentOptions opts;
  opts.format = status::DocumentFormat::Yaml;
  opts.lastTransitionTime = "2026-01-01T00:00:00Z";
  std::string out = status::renderKubeList(r.status, opts) + ir::toJson(r.ir, true);
  for (const auto& d : r.diagnostics) out += d.format() + "\n";
  return out;
}

void expectSameAsFresh(const store::Snapshot& s, translate::RouteMemo& memo) {
  EXPECT_EQ(rendered(translate::translate(s, {}, &memo)), rendered(translate::translate(s)));
}

class RouteMemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto load = source::loadString(
        readFile(sourceDir() + "/tests/translate/golden/route-backend-refs/input.yaml"), "input.yaml");
    ASSERT_GE(load.snapshot.httpRoutes.size(), 3u);
    base_ = std::move(load.snapshot);
    expectSameAsFresh(base_, memo_);
    EXPECT_EQ(memo_.hits(), 0u);
    EXPECT_EQ(memo_.misses(), base_.httpRoutes.size());
  }
  store::Snapshot base_;
  translate::RouteMemo memo_;
};

TEST_F(RouteMemoTest, OnlyChangedRoutesAreCompiledAgain) {
  store::Snapshot next = base_;  // tables share the objects
  const auto first = next.httpRoutes.begin()->second;
  auto edited = std::make_shared<api::HTTPRoute>(*first);
  edited->rules.at(0).matches.emplace_back();
  edited->rules.at(0).matches.back().path = api::HTTPPathMatch{"Exact", "/edited"};
  next.httpRoutes.erase(first->meta.namespace_, first->meta.name);
  next.httpRoutes.insert(edited);
  const auto last = std::prev(next.httpRoutes.end())->second;
  next.httpRoutes.erase(last->meta.namespace_, last->meta.name);

  expectSameAsFresh(next, memo_);
  EXPECT_EQ(memo_.misses(), 1u);
  EXPECT_EQ(memo_.hits(), next.httpRoutes.size() - 1);

  // The removed route is forgotten: bringing the object back compiles it.
  next.httpRoutes.insert(last);
  expectSameAsFresh(next, memo_);
  EXPECT_EQ(memo_.misses(), 1u);
}

TEST_F(RouteMemoTest, AChangedServiceOrGrantCompilesEverythingAgain) {
  store::Snapshot next = base_;
  const auto svc = next.services.begin()->second;
  auto edited = std::make_shared<api::Service>(*svc);
  edited->ports.clear();  // every backend on it is now BackendNotFound
  next.services.erase(svc->meta.namespace_, svc->meta.name);
  next.services.insert(edited);
  expectSameAsFresh(next, memo_);
  EXPECT_EQ(memo_.hits(), 0u);

  store::Snapshot noGrants = next;
  while (!noGrants.referenceGrants.empty()) {
    const auto g = noGrants.referenceGrants.begin()->second;
    noGrants.referenceGrants.erase(g->meta.namespace_, g->meta.name);
  }
  expectSameAsFresh(noGrants, memo_);
  EXPECT_EQ(memo_.hits(), 0u);
  expectSameAsFresh(noGrants, memo_);
  EXPECT_EQ(memo_.misses(), 0u);
}

}  // namespace
}  // namespace portico::testing
