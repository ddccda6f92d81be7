// route() must not allocate: the global operator new of this test binary
// counts allocations made while `counting` is set on the calling thread.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "router/router_scenario.h"

namespace {
thread_local bool counting = false;
thread_local size_t allocations = 0;
}  // namespace

// Every unaligned new/delete form is replaced so they pair up (malloc/free).
// GCC 12 at -O2 cannot see that these replacements pair malloc with free
// and reports -Wmismatched-new-delete on the deletes below.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  if (counting) ++allocations;
  return std::malloc(n ? n : 1);
}
void* operator new(size_t n) {
  if (void* p = operator new(n, std::nothrow)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return operator new(n, std::nothrow); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace portico::testing {
namespace {

TEST(RouterAllocations, RouteDoesNotAllocate) {
  RouterScenario s(
      gatewayYaml("  - {name: any, port: 80, protocol: HTTP}\n"
                  "  - {name: wild, port: 80, protocol: HTTP, hostname: \"*.example.com\"}\n") +
      httpRoute(
          "a",
          "  - matches: [{path: {type: Exact, value: /e}}, {path: {value: /p/q}}]\n"
          "  - matches: [{path: {value: /h}, headers: [{name: x-v, type: RegularExpression, value: \"v.+\"}],"
          " queryParams: [{name: q, value: \"1\"}], method: GET}]\n"
          "  - matches: [{path: {type: RegularExpression, value: \"/r/[0-9]+\"}}]\n",
          "[\"*.example.com\"]", "wild") +
      httpRoute("b", "  - {}\n", "", "any"));
  const auto& r = s.port(80);
  std::vector<Req> reqs = {
      {.host = "A.EXAMPLE.COM:80", .path = "/e"},
      {.host = "a.example.com", .path = "/p/q/r/s"},
      {.host = "x.y.example.com", .path = "/h", .query = "z=2&q=1", .headers = {{"X-V", "v1"}}},
      {.host = "a.example.com", .path = "/r/123"},
      {.host = "a.example.com", .path = "/nothing"},
      {.host = "other.org", .path = "/x"},
  };
  std::vector<router::RequestView> views;
  for (auto& q : reqs) views.push_back(q.view());
  const ir::Listener* sni = r.listenerForSni("a.example.com");  // HTTP listeners: none
  std::vector<const ir::Route*> routes;
  routes.reserve(views.size() + 1);
  counting = true;
  ::operator delete(::operator new(8));  // the counter works (a call, never elided)
  counting = false;
  ASSERT_EQ(allocations, 1u);
  allocations = 0;
  counting = true;
  for (const auto& v : views) routes.push_back(r.route(v, sni).route);
  routes.push_back(r.route(views[0], &r.bind().listeners.back()).route);  // 421 path
  const ir::Listener* l = r.listenerForHost("B.Example.Com");
  counting = false;
  EXPECT_EQ(allocations, 0u);
  ASSERT_EQ(routes.size(), 7u);
  EXPECT_NE(routes[0], nullptr);
  EXPECT_NE(routes[1], nullptr);
  EXPECT_NE(routes[2], nullptr);
  EXPECT_NE(routes[3], nullptr);
  EXPECT_EQ(routes[4], nullptr);
  EXPECT_NE(routes[5], nullptr);
  EXPECT_EQ(routes[6], nullptr);
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->name, "wild");
}

}  // namespace
}  // namespace portico::testing
