// Google Benchmark micro-benchmarks of the two control-plane phases on
// small generated configs: steady-state per-call times for comparing a
// translator change before and after. The headline figures (10,000
// routes, peak RSS) come from portico_translate_bench.
#include <benchmark/benchmark.h>

#include "gen_config.h"
#include "self_signed_cert.h"
#include "source/loader.h"
#include "translate/translator.h"

namespace {

using namespace portico;

// Routes from the benchmark argument, one Gateway per 100 routes.
bench::GeneratedConfig makeConfig(const benchmark::State& state) {
  bench::GenParams p;
  p.routes = static_cast<int>(state.range(0));
  p.gateways = std::max(1, p.routes / 100);
  return bench::generateConfig(p, bench::makeSelfSignedCert(bench::gatewayWildcards(p.gateways)));
}

void BM_Load(benchmark::State& state) {
  const bench::GeneratedConfig config = makeConfig(state);
  for (auto _ : state) benchmark::DoNotOptimize(source::loadString(config.yaml));
  state.SetItemsProcessed(state.iterations() * config.objects);
}
BENCHMARK(BM_Load)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_Translate(benchmark::State& state) {
  const source::LoadResult loaded = source::loadString(makeConfig(state).yaml);
  if (api::hasErrors(loaded.diagnostics)) {
    state.SkipWithError("generated config does not load");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(translate::translate(loaded.snapshot));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Translate)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
