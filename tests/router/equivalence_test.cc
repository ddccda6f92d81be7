// The indexed lookup must pick exactly what a naive linear scan picks:
// first matching listener by hostname, then virtual hosts most specific
// first, then the first route in IR order whose match passes (§12.3,
// §12.5). Random configs and requests from a fixed seed; routes are left in
// random order so the index cannot lean on the translator's sort.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <algorithm>
#include <random>

#include "router/router_scenario.h"
#include "translate/hostname.h"

namespace portico::testing {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool naiveHost(std::string_view pattern, std::string_view host) {
  if (pattern.empty() || pattern == "*") return true;
  if (pattern.starts_with("*.")) {
    std::string_view suffix = pattern.substr(1);
    return host.size() > suffix.size() && host.ends_with(suffix);
  }
  return pattern == host;
}

bool naivePrefix(std::string_view prefix, std::string_view path) {
  if (prefix.empty() || prefix == "/") return true;
  if (!path.starts_with(prefix)) return false;
  std::string_view rest = path.substr(prefix.size());
  return rest.empty() || rest[0] == '/' || prefix.back() == '/';
}

bool naiveString(const ir::StringMatch& m, std::optional<std::string_view> v) {
  if (!v) return false;
  if (m.kind == ir::StringMatchKind::Exact) return *v == m.value;
  RE2 re(m.value, RE2::Quiet);
  return re.ok() && RE2::FullMatch(*v, re);
}

bool naiveMatch(const ir::Match& m, const router::RequestView& req) {
  switch (m.path.kind) {
    case ir::PathMatchKind::Exact:
      if (req.path != m.path.value) return false;
      break;
    case ir::PathMatchKind::Prefix:
      if (!naivePrefix(m.path.value, req.path)) return false;
      break;
    case ir::PathMatchKind::Regex: {
      RE2 re(m.path.value, RE2::Quiet);
      if (!re.ok() || !RE2::FullMatch(req.path, re)) return false;
    }
  }
  if (m.method && *m.method != req.method) return false;
  for (const auto& h : m.headers) {
    std::optional<std::string_view> v;
    for (const auto& rh : req.headers) {
      if (lower(rh.name) == h.name) {
        v = rh.value;
        break;
      }
    }
    if (!naiveString(h, v)) return false;
  }
  std::vector<std::pair<std::string_view, std::string_view>> params;
  for (std::string_view q = req.query; !q.empty();) {
    std::string_view part = q.substr(0, q.find('&'));
    q = part.size() == q.size() ? std::string_view() : q.substr(part.size() + 1);
    size_t eq = part.find('=');
    params.emplace_back(part.substr(0, eq),
                        eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
  }
  for (const auto& qm : m.queryParams) {
    std::optional<std::string_view> v;
    for (const auto& [n, val] : params) {
      if (n == qm.name) {
        v = val;
        break;
      }
    }
    if (!naiveString(qm, v)) return false;
  }
  return true;
}

const ir::Route* naiveRoute(const ir::Bind& bind, const router::RequestView& req, int& status) {
  std::string host = lower(router::stripPort(req.host));
  if (!host.empty() && host.back() == '.') host.pop_back();
  for (const auto& l : bind.listeners) {
    if (!naiveHost(l.hostname.value_or(""), host)) continue;
    for (const auto& vh : l.virtualHosts) {
      if (!naiveHost(vh.hostname, host)) continue;
      const auto& routes = req.grpc && !vh.grpcRoutes.empty() ? vh.grpcRoutes : vh.routes;
      for (const auto& r : routes) {
        if (naiveMatch(r.match, req)) return &r;
      }
    }
    status = 404;  // isolation: no other listener
    return nullptr;
  }
  status = 404;
  return nullptr;
}

class Gen {
 public:
  // `headerRuns`: most routes are "tenant" routes (a prefix, one exact
  // header, nothing else), so buckets hold runs of them that the table
  // indexes by header value.
  explicit Gen(uint32_t seed, bool headerRuns = false) : rng_(seed), headerRuns_(headerRuns) {}

  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng_)];
  }
  bool coin(int percent) { return std::uniform_int_distribution<int>(0, 99)(rng_) < percent; }
  int upTo(int n) { return std::uniform_int_distribution<int>(0, n)(rng_); }

  std::vector<std::string> subset(const std::vector<std::string>& pool, int percent) {
    std::vector<std::string> out;
    for (const auto& p : pool) {
      if (coin(percent)) out.push_back(p);
    }
    std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
      return translate::moreSpecificHostname(a, b);
    });
    return out;
  }

  ir::Route route(uint32_t id) {
    static const std::vector<std::string> exact = {"/", "/a", "/a/", "/a/b", "/ab", "/a/b/c", "/x", ""};
    static const std::vector<std::string> prefix = {"/", "/a", "/a/b", "/ab", "/x", "/a/", "/a/b/c", ""};
    // Literal prefixes longer than the 8 bytes the lookup's word filter
    // keeps, shorter ones, none, and a case-insensitive one.
    static const std::vector<std::string> regex = {
        "/a/.*", "/[ab]+", "(", "/x", "/a/b/?", "/abcdefghij[0-9]*", "(?i)/AB/.*", "/ab.?c", ".*c"};
    ir::Route r;
    r.routeName = "r" + std::to_string(id);
    if (headerRuns_ && coin(70)) {
      r.match.path = {ir::PathMatchKind::Prefix, pick(std::vector<std::string>{"/a", "/x", "/"})};
      r.match.headers.push_back({ir::StringMatchKind::Exact, coin(90) ? "x-a" : "x-b",
                                 pick(std::vector<std::string>{"1", "2", "3"})});
      return r;
    }
    int kind = upTo(9);
    if (kind < 4)
      r.match.path = {ir::PathMatchKind::Exact, pick(exact)};
    else if (kind < 8)
      r.match.path = {ir::PathMatchKind::Prefix, pick(prefix)};
    else
      r.match.path = {ir::PathMatchKind::Regex, pick(regex)};
    if (coin(25)) r.match.method = pick(std::vector<std::string>{"GET", "POST"});
    for (const std::string name : {"x-a", "x-b"}) {
      if (coin(20)) {
        bool re = coin(30);
        r.match.headers.push_back({re ? ir::StringMatchKind::Regex : ir::StringMatchKind::Exact, name,
                                   re ? std::string("[12]") : pick(std::vector<std::string>{"1", "2"})});
      }
    }
    for (const std::string name : {"q", "Q"}) {
      if (coin(15)) {
        bool re = coin(30);
        r.match.queryParams.push_back(
            {re ? ir::StringMatchKind::Regex : ir::StringMatchKind::Exact, name,
             re ? std::string("1|2") : pick(std::vector<std::string>{"1", "2", ""})});
      }
    }
    return r;
  }

  ir::Bind bind() {
    static const std::vector<std::string> listenerHosts = {"", "a.example.com", "*.example.com",
                                                           "*.b.example.com"};
    static const std::vector<std::string> vhostHosts = {
        "*", "a.example.com", "b.example.com", "*.example.com", "*.b.example.com", "x.b.example.com"};
    ir::Bind b;
    b.port = 80;
    uint32_t id = 0;
    for (const auto& lh : subset(listenerHosts, 50)) {
      ir::Listener l;
      l.name = "l" + std::to_string(b.listeners.size());
      if (!lh.empty()) l.hostname = lh;
      for (const auto& vhName : subset(vhostHosts, 60)) {
        ir::VirtualHost vh;
        vh.hostname = vhName;
        for (int n = upTo(25); n > 0; --n) vh.routes.push_back(route(id++));
        if (coin(30)) {
          for (int n = upTo(6); n > 0; --n) vh.grpcRoutes.push_back(route(id++));
        }
        l.virtualHosts.push_back(std::move(vh));
      }
      b.listeners.push_back(std::move(l));
    }
    return b;
  }

  Req request() {
    static const std::vector<std::string> hosts = {"a.example.com", "A.Example.com:80", "b.example.com",
                                                   "c.example.com", "x.b.example.com",  "y.x.b.example.com.",
                                                   "example.com",   "other.org",        ""};
    static const std::vector<std::string> paths = {
        "/",    "/a",          "/a/",           "/a/b",      "/a/b/", "/a/b/c", "/ab",
        "/abc", "/x",          "/x/y",          "/b",        "",      "/a//b",  "/a/b/c/d",
        "/ba",  "/abcdefghij", "/abcdefghij12", "/abcdefgh", "/AB/x", "/ab/x",  "/abxc"};
    static const std::vector<std::string> queries = {"",        "q=1", "q=2",    "Q=1&q=2",
                                                     "q=2&q=1", "q",   "q=&Q=2", "x=1"};
    Req r;
    r.host = pick(hosts);
    r.path = pick(paths);
    r.query = pick(queries);
    r.method = coin(50) ? "GET" : "POST";
    for (const std::string name : {"x-a", "X-B", "x-a"}) {
      if (coin(35)) r.headers.emplace_back(name, pick(std::vector<std::string>{"1", "2", "3"}));
    }
    r.grpc = coin(20);
    return r;
  }

 private:
  std::mt19937 rng_;
  bool headerRuns_ = false;
};

// 150 configurations from `gen`, 300 requests each: the router and the
// naive scan must agree on every one.
void expectIndexedEqualsLinear(Gen& gen) {
  size_t routed = 0, total = 0;
  for (int config = 0; config < 150; ++config) {
    const ir::Bind bind = gen.bind();
    auto router = router::BindRouter::build(bind);
    for (int i = 0; i < 300; ++i) {
      Req req = gen.request();
      const router::RequestView view = req.view();
      int status = 0;
      const ir::Route* want = naiveRoute(bind, view, status);
      const auto got = router->route(view);
      ASSERT_EQ(got.route, want) << "config " << config << " host " << req.host << " path " << req.path
                                 << " query " << req.query << " method " << req.method << " grpc " << req.grpc
                                 << ": got " << (got.route ? got.route->routeName : "none") << " want "
                                 << (want ? want->routeName : "none");
      ASSERT_EQ(got.status, want ? 0 : 404);
      routed += want != nullptr;
      ++total;
    }
  }
  // The generator must exercise both outcomes.
  EXPECT_GT(routed, total / 5);
  EXPECT_LT(routed, total);
}

TEST(RouterEquivalence, IndexedLookupEqualsLinearScan) {
  Gen gen(20240601);
  expectIndexedEqualsLinear(gen);
}

TEST(RouterEquivalence, HeaderRunsEqualLinearScan) {
  // Runs of routes told apart by one header value are looked up by value.
  Gen gen(20261127, true);
  expectIndexedEqualsLinear(gen);
}

}  // namespace
}  // namespace portico::testing
