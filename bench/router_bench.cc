// route() cost on generated binds: many hostnames and many routes per
// host, mostly Exact/Prefix paths plus some header and regex routes. Build
// with -DCMAKE_BUILD_TYPE=Release and run portico_router_bench.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "router/router.h"

namespace {

using portico::ir::PathMatchKind;

// `hosts` virtual hosts ("h<i>.example.com" plus "*.example.com"), each with
// `routes` routes in precedence order: exact paths, prefixes of depth 1-3,
// header-conditioned prefixes, and a few regexes at the end.
portico::ir::Bind makeBind(int hosts, int routes) {
  portico::ir::Bind b;
  b.port = 80;
  portico::ir::Listener l;
  l.name = "http";
  for (int h = 0; h <= hosts; ++h) {
    portico::ir::VirtualHost vh;
    vh.hostname = h == hosts ? "*.example.com" : "h" + std::to_string(h) + ".example.com";
    for (int i = 0; i < routes; ++i) {
      portico::ir::Route r;
      r.routeName = "r" + std::to_string(i);
      const std::string seg = "/svc" + std::to_string(i);
      switch (i % 4) {
        case 0:
          r.match.path = {PathMatchKind::Exact, seg + "/exact"};
          break;
        case 1:
          r.match.path = {PathMatchKind::Prefix, seg + "/v1/items"};
          break;
        case 2:
          r.match.path = {PathMatchKind::Prefix, seg};
          r.match.headers.push_back({portico::ir::StringMatchKind::Exact, "x-env", "canary"});
          break;
        default:
          r.match.path = {PathMatchKind::Prefix, seg};
          break;
      }
      vh.routes.push_back(std::move(r));
    }
    for (int i = 0; i < 4; ++i) {
      portico::ir::Route r;
      r.match.path = {PathMatchKind::Regex, "/re" + std::to_string(i) + "/[0-9]+"};
      vh.routes.push_back(std::move(r));
    }
    l.virtualHosts.push_back(std::move(vh));
  }
  b.listeners.push_back(std::move(l));
  return b;
}

void run(benchmark::State& state, std::string host, std::string path) {
  const auto bind = makeBind(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const auto router = portico::router::BindRouter::build(bind);
  const std::vector<portico::http1::Header> headers = {{"user-agent", "bench"}, {"x-env", "prod"}};
  portico::router::RequestView req{host, path, "a=1", "GET", headers, false};
  for (auto _ : state) {
    auto m = router->route(req);
    benchmark::DoNotOptimize(m);
  }
}

void BM_ExactPath(benchmark::State& s) {
  run(s, "h7.example.com", "/svc" + std::to_string(s.range(1) / 2 / 4 * 4) + "/exact");
}
void BM_DeepPrefix(benchmark::State& s) {
  run(s, "h7.example.com:80", "/svc" + std::to_string(s.range(1) / 2 / 4 * 4 + 1) + "/v1/items/42/details");
}
void BM_WildcardHostMiss(benchmark::State& s) { run(s, "Other.Example.com", "/nothing/here/at/all"); }
void BM_RegexTail(benchmark::State& s) { run(s, "h1.example.com", "/re3/12345"); }

#define ARGS ->Args({10, 100})->Args({100, 1000})->Args({1000, 100})
BENCHMARK(BM_ExactPath) ARGS;
BENCHMARK(BM_DeepPrefix) ARGS;
BENCHMARK(BM_WildcardHostMiss) ARGS;
BENCHMARK(BM_RegexTail) ARGS;

}  // namespace

BENCHMARK_MAIN();
