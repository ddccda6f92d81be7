// Route lookup cost (BindRouter::route) as a config grows: 10, 1,000 and
// 10,000 routes in total, for each kind of match a route can have (exact
// path, path prefix, regex path, header match). The target is
// "Route lookup at 10,000 routes within 10% of 10 routes"; compare
// BM_Lookup/<kind>/10000 with BM_Lookup/<kind>/10 (run-microbench.sh prints
// them side by side).
//
// The binds look like a real config rather than a best case:
//   - routes are spread over hostnames (1 at 10 routes, 10 at 1,000, 100 at
//     10,000: 100 routes per virtual host once a config is large);
//   - each virtual host mixes the kinds, per 10 routes: 3 exact, 4 prefix
//     (two prefix depths), 2 header-conditioned and 1 regex;
//   - the header routes are tenant routing on one shared prefix ("/api",
//     `x-tenant: tenant-N`), the case where a header condition is what
//     tells routes apart;
//   - each virtual host's routes are in the translator's precedence order
//     (src/translate/precedence.cc: exact, then regex, then prefix; longer
//     paths first; more header matches first; then creation order).
// The request always goes to the last virtual host and asks for the LAST
// route of its kind in that order (the worst case for that kind); the
// benchmark checks that route() returns exactly that route.
//
// Build with optimisation (the default RelWithDebInfo tree is fine) and run
// portico_router_bench, or bench/run-microbench.sh for the JSON summary.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "router/router.h"

namespace {

using portico::ir::PathMatchKind;

enum class Kind { Exact, Prefix, Regex, Header };
constexpr std::array<Kind, 4> kKinds = {Kind::Exact, Kind::Prefix, Kind::Regex, Kind::Header};
constexpr std::array<int, 3> kSizes = {10, 1000, 10000};

const char* kindName(Kind k) {
  switch (k) {
    case Kind::Exact:
      return "exact";
    case Kind::Prefix:
      return "prefix";
    case Kind::Regex:
      return "regex";
    case Kind::Header:
      return "header";
  }
  return "?";
}

// The mix of kinds in every run of 10 routes of a virtual host.
constexpr std::array<Kind, 10> kMix = {Kind::Exact, Kind::Prefix, Kind::Header, Kind::Exact,  Kind::Prefix,
                                       Kind::Regex, Kind::Exact,  Kind::Prefix, Kind::Header, Kind::Prefix};

// Hostnames for a config of `routes` routes: one virtual host per 100
// routes (at least one).
int hostsFor(int routes) { return std::max(1, routes / 100); }

std::string hostName(int h) { return "app" + std::to_string(h) + ".example.com"; }

// A generated route plus what a request matching it looks like.
struct GenRoute {
  Kind kind;
  int serial;  // creation order inside the virtual host (the last tie-break)
  portico::ir::Route route;
  std::string samplePath;
  std::string tenant;  // header routes: the x-tenant value
};

GenRoute makeRoute(Kind kind, int n, int serial) {
  GenRoute g{kind, serial, {}, {}, {}};
  auto& m = g.route.match;
  const std::string num = std::to_string(n);
  g.route.routeName = std::string(kindName(kind)) + "-" + num;
  switch (kind) {
    case Kind::Exact:
      m.path = {PathMatchKind::Exact, "/svc" + num + "/healthz"};
      g.samplePath = m.path.value;
      break;
    case Kind::Prefix:
      // Two depths, so that precedence by prefix length matters.
      m.path = {PathMatchKind::Prefix, n % 2 == 0 ? "/svc" + num : "/svc" + num + "/v1/items"};
      g.samplePath = m.path.value + "/42/details";
      break;
    case Kind::Regex:
      m.path = {PathMatchKind::Regex, "/re" + num + "/[a-z]+/[0-9]+"};
      g.samplePath = "/re" + num + "/items/12345";
      break;
    case Kind::Header:
      g.tenant = "tenant-" + num;
      m.path = {PathMatchKind::Prefix, "/api"};
      m.headers.push_back({portico::ir::StringMatchKind::Exact, "x-tenant", g.tenant});
      g.samplePath = "/api/orders/42";
      break;
  }
  return g;
}

// Gateway API precedence as the translator applies it (precedence.cc):
// exact < regex < prefix, then longer path value, then more header
// matches, then creation order.
bool precedes(const GenRoute& a, const GenRoute& b) {
  auto rank = [](const portico::ir::Match& m) {
    return m.path.kind == PathMatchKind::Exact ? 0 : m.path.kind == PathMatchKind::Regex ? 1 : 2;
  };
  const auto& ma = a.route.match;
  const auto& mb = b.route.match;
  if (rank(ma) != rank(mb)) return rank(ma) < rank(mb);
  if (ma.path.value.size() != mb.path.value.size()) return ma.path.value.size() > mb.path.value.size();
  if (ma.headers.size() != mb.headers.size()) return ma.headers.size() > mb.headers.size();
  return a.serial < b.serial;
}

// What one BM_Lookup/<kind>/<routes> asks for.
struct Request {
  std::string host;
  std::string path;
  std::vector<std::pair<std::string, std::string>> headerStorage;
  std::vector<portico::http1::Header> headers;  // views into headerStorage
  const portico::ir::Route* expected = nullptr;
};

// One generated config: the bind, its router and one request per kind.
struct Fixture {
  portico::ir::Bind bind;
  std::shared_ptr<const portico::router::BindRouter> router;
  std::map<Kind, Request> requests;
  int hosts = 0;
  int routesPerHost = 0;
};

Fixture* fixtureFor(int routes) {
  // Built once per size and shared by the four kinds: a 10,000-route bind
  // compiles 1,000 regexes, too slow to redo for every benchmark run.
  static std::map<int, std::unique_ptr<Fixture>> cache;
  auto& slot = cache[routes];
  if (slot) return slot.get();
  slot = std::make_unique<Fixture>();
  Fixture& f = *slot;
  f.hosts = hostsFor(routes);
  f.routesPerHost = routes / f.hosts;
  f.bind.port = 80;
  portico::ir::Listener l;  // no hostname: every Host reaches it
  l.name = "http";
  std::map<Kind, GenRoute> lastOfKind;  // in the last virtual host
  for (int h = 0; h < f.hosts; ++h) {
    std::vector<GenRoute> gen;
    std::map<Kind, int> perKind;
    for (int i = 0; i < f.routesPerHost; ++i) {
      const Kind k = kMix[static_cast<size_t>(i) % kMix.size()];
      gen.push_back(makeRoute(k, perKind[k]++, i));
    }
    std::stable_sort(gen.begin(), gen.end(), precedes);
    portico::ir::VirtualHost vh;
    vh.hostname = hostName(h);
    for (auto& g : gen) {
      if (h == f.hosts - 1) lastOfKind.insert_or_assign(g.kind, g);  // later in order wins
      vh.routes.push_back(std::move(g.route));
    }
    l.virtualHosts.push_back(std::move(vh));
  }
  f.bind.listeners.push_back(std::move(l));
  f.router = portico::router::BindRouter::build(f.bind);

  const auto& routesOfLastHost = f.bind.listeners[0].virtualHosts.back().routes;
  for (Kind k : kKinds) {
    const GenRoute& want = lastOfKind.at(k);
    Request& r = f.requests[k];
    r.host = hostName(f.hosts - 1);
    r.path = want.samplePath;
    // A browser-like set of request headers, the routing header last (the
    // worst place for the header scan).
    r.headerStorage = {{"user-agent", "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"},
                       {"accept", "text/html,application/xhtml+xml,*/*;q=0.8"},
                       {"accept-language", "en-US,en;q=0.5"},
                       {"accept-encoding", "gzip, deflate, br"},
                       {"connection", "keep-alive"},
                       {"cookie", "session=0123456789abcdef; theme=dark"},
                       {"upgrade-insecure-requests", "1"},
                       {"sec-fetch-dest", "document"},
                       {"x-tenant", lastOfKind.at(Kind::Header).tenant}};
    for (const auto& [n, v] : r.headerStorage) r.headers.push_back({n, v});
    for (const auto& route : routesOfLastHost) {
      if (route.routeName == want.route.routeName) r.expected = &route;
    }
  }
  return slot.get();
}

void BM_Lookup(benchmark::State& state, Kind kind, int routes) {
  const Fixture& f = *fixtureFor(routes);
  const Request& r = f.requests.at(kind);
  const portico::router::RequestView req{r.host, r.path, "", "GET", r.headers, false};
  const auto check = f.router->route(req);
  if (check.status != 0 || check.route != r.expected) {
    state.SkipWithError("route() did not return the last route of its kind");
    return;
  }
  for (auto _ : state) {
    auto m = f.router->route(req);
    benchmark::DoNotOptimize(m);
  }
  state.counters["hosts"] = f.hosts;
  state.counters["routes_per_host"] = f.routesPerHost;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  // Registered by hand for systematic names: BM_Lookup/<kind>/<routes>.
  for (Kind k : kKinds) {
    for (int n : kSizes) {
      const std::string name = std::string("BM_Lookup/") + kindName(k) + "/" + std::to_string(n);
      benchmark::RegisterBenchmark(name.c_str(), BM_Lookup, k, n);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
