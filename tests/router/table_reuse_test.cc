// BindRouter::build with the previous router (router/router.h): virtual
// hosts whose route lists are unchanged share the previous router's
// tables, the others get new ones, and the new router keeps routing after
// the previous router and its config are gone.
#include <gtest/gtest.h>

#include "router/router_scenario.h"
#include "translate/translator.h"

namespace portico::testing {
namespace {

std::string route(const std::string& name, const std::string& host, const std::string& path) {
  return httpRoute(name, "  - matches: [{path: {type: PathPrefix, value: " + path + "}}]\n",
                   "[" + host + "]");
}

const std::string kGateway =
    std::string(kRouterNamespace) + gatewayYaml("  - {name: http, port: 80, protocol: HTTP}\n");

TEST(RouterTableReuse, UnchangedVirtualHostsKeepRoutingAfterTheOldConfigIsGone) {
  const auto first = loadOk(std::string(kClass) + "\n---\n" + kGateway + route("a", "a.example.com", "/a") +
                            route("b", "b.example.com", "/b"));
  // The edit as a reload sees it: route a is a new object, every other
  // object is the one the previous snapshot had.
  const auto edit = loadOk(std::string(kClass) + "\n---\n" + kGateway + route("a", "a.example.com", "/a2"));
  store::Snapshot next = first.snapshot;
  next.httpRoutes.erase("infra", "a");
  next.httpRoutes.insert(edit.snapshot.httpRoutes.findPtr("infra", "a"));

  translate::RouteMemo memo;
  auto before = std::make_shared<translate::Result>(translate::translate(first.snapshot, {}, &memo));
  auto after = translate::translate(next, {}, &memo);
  ASSERT_EQ(before->ir.binds.size(), 1u);
  ASSERT_EQ(after.ir.binds.size(), 1u);
  const auto& hostsBefore = before->ir.binds[0].listeners.at(0).virtualHosts;
  const auto& hostsAfter = after.ir.binds[0].listeners.at(0).virtualHosts;
  ASSERT_EQ(hostsAfter.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(hostsAfter[i].hostname, hostsBefore[i].hostname);
    EXPECT_EQ(hostsAfter[i].routes.identity() == hostsBefore[i].routes.identity(),
              hostsAfter[i].hostname == "b.example.com")
        << hostsAfter[i].hostname;
  }

  auto old = router::BindRouter::build(before->ir.binds[0]);
  EXPECT_EQ(who(*old, Req{.host = "a.example.com", .path = "/a"}), "a/0");
  auto fresh = router::BindRouter::build(after.ir.binds[0], old.get());
  old.reset();
  before.reset();  // the previous config: b's list lives on in `after`

  EXPECT_EQ(who(*fresh, Req{.host = "b.example.com", .path = "/b/x"}), "b/0");
  EXPECT_EQ(who(*fresh, Req{.host = "b.example.com", .path = "/a"}), "404");
  EXPECT_EQ(who(*fresh, Req{.host = "a.example.com", .path = "/a2"}), "a/0");
  EXPECT_EQ(who(*fresh, Req{.host = "a.example.com", .path = "/a"}), "404") << "the edit is served";
}

}  // namespace
}  // namespace portico::testing
