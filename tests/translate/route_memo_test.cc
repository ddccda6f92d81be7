// RouteMemo (translate/route_memo.h): across a sequence of snapshots that
// share objects, as `portico run` reloads produce them, a memoized
// translation equals a fresh one, and only new route objects are compiled.
#include <gtest/gtest.h>

#include <map>
#include <set>

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

// Replaces the first HTTPRoute with a new object that has one more match,
// as a reload does for an edited file; returns it.
std::shared_ptr<const api::HTTPRoute> editFirstRoute(store::Snapshot& s) {
  const auto first = s.httpRoutes.begin()->second;
  auto edited = std::make_shared<api::HTTPRoute>(*first);
  edited->rules.at(0).matches.emplace_back();
  edited->rules.at(0).matches.back().path = api::HTTPPathMatch{"Exact", "/edited"};
  s.httpRoutes.erase(first->meta.namespace_, first->meta.name);
  s.httpRoutes.insert(edited);
  return edited;
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
  editFirstRoute(next);
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

TEST_F(RouteMemoTest, AChangedGatewayOrOptionAttachesRoutesAgain) {
  // The listener stops taking routes from other namespaces: the memo's
  // attachments (made when it took them from All) must not be replayed.
  store::Snapshot next = base_;
  const auto gw = next.gateways.begin()->second;
  auto edited = std::make_shared<api::Gateway>(*gw);
  edited->listeners.at(0).allowedRoutes.namespaces.from = "Same";
  next.gateways.erase(gw->meta.namespace_, gw->meta.name);
  next.gateways.insert(edited);
  ASSERT_NE(rendered(translate::translate(next)), rendered(translate::translate(base_)))
      << "the input has a route from another namespace";
  expectSameAsFresh(next, memo_);
  EXPECT_EQ(memo_.misses(), 0u) << "compiled routes do not depend on the Gateway";

  // The data plane could not open the port: listeners are not programmed,
  // so nothing may be fed to them from a replayed attachment.
  translate::Options unbindable;
  unbindable.unbindable = {"|80|tcp"};
  const auto fresh = translate::translate(next, unbindable);
  ASSERT_TRUE(fresh.ir.binds.empty());
  EXPECT_EQ(rendered(translate::translate(next, unbindable, &memo_)), rendered(fresh));
}

// Every virtual host's route list, by listener and hostname, as the
// identity of the shared list (ir::RouteList).
std::map<std::string, const void*> lists(const ir::Config& c) {
  std::map<std::string, const void*> out;
  for (const auto& b : c.binds)
    for (const auto& l : b.listeners)
      for (const auto& vh : l.virtualHosts) out[l.name + " " + vh.hostname] = vh.routes.identity();
  return out;
}

TEST_F(RouteMemoTest, UnchangedVirtualHostsKeepTheirRouteList) {
  const auto before = lists(translate::translate(base_, {}, &memo_).ir);
  ASSERT_FALSE(before.empty());
  EXPECT_EQ(lists(translate::translate(base_, {}, &memo_).ir), before) << "nothing changed: the same lists";

  store::Snapshot next = base_;
  const auto edited = editFirstRoute(next);
  const auto after = lists(translate::translate(next, {}, &memo_).ir);
  ASSERT_EQ(after.size(), before.size());
  // The listener has no hostname: the edited route's virtual hosts are
  // its own hostnames ("*" without any).
  std::set<std::string> touched(edited->hostnames.begin(), edited->hostnames.end());
  if (touched.empty()) touched.insert("*");
  size_t changed = 0;
  for (const auto& [where, list] : after) {
    const bool edit = touched.count(where.substr(where.find(' ') + 1)) > 0;
    changed += edit;
    if (edit) {
      EXPECT_NE(list, before.at(where)) << where << ": its route changed";
    } else {
      EXPECT_EQ(list, before.at(where)) << where << ": none of its routes changed";
    }
  }
  EXPECT_EQ(changed, touched.size());
  EXPECT_LT(changed, after.size()) << "the input has other virtual hosts";
  expectSameAsFresh(next, memo_);
}

}  // namespace
}  // namespace portico::testing
