// portico_translate_bench: the control-plane benchmark (`make bench`).
// Single-shot phases on one generated configuration: decode+validate
// (source::loadString), then translate::translate repeated --repeat times.
// A plain main() rather than a Google Benchmark fixture because the
// figures that matter are one cold load, per-run translate times and the
// process's peak RSS, which a fixture's iteration loop would blur.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "api/diagnostic.h"
#include "gen_config.h"
#include "process_memory.h"
#include "self_signed_cert.h"
#include "source/loader.h"
#include "status/types.h"
#include "translate/translator.h"

namespace {

using namespace portico;
using Clock = std::chrono::steady_clock;

struct Flags {
  bench::GenParams gen;
  int repeat = 5;
  int warm = 20;  // one-route-edit translations
  bool jsonOnly = false;
};

[[noreturn]] void usage(const char* msg) {
  fmt::print(stderr,
             "error: {}\nusage: portico_translate_bench [--routes N] [--gateways N] [--services N] "
             "[--repeat N] [--edits N] [--json]\n",
             msg);
  std::exit(2);
}

Flags parseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto number = [&](int min) {
      if (i + 1 >= argc) usage(fmt::format("{} needs a value", a).c_str());
      char* end = nullptr;
      long v = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || v < min || v > 10'000'000) usage(fmt::format("bad value for {}", a).c_str());
      return static_cast<int>(v);
    };
    if (a == "--routes")
      f.gen.routes = number(0);
    else if (a == "--gateways")
      f.gen.gateways = number(1);
    else if (a == "--services")
      f.gen.services = number(1);
    else if (a == "--repeat")
      f.repeat = number(1);
    else if (a == "--edits")
      f.warm = number(0);
    else if (a == "--json")
      f.jsonOnly = true;
    else
      usage(fmt::format("unknown flag {}", a).c_str());
  }
  return f;
}

double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

size_t countErrors(const api::Diagnostics& d) {
  return static_cast<size_t>(
      std::count_if(d.begin(), d.end(), [](const auto& x) { return x.severity == api::Severity::Error; }));
}

size_t irRoutes(const ir::Config& c) {
  size_t n = 0;
  for (const auto& b : c.binds)
    for (const auto& l : b.listeners)
      for (const auto& vh : l.virtualHosts) n += vh.routes.size();
  return n;
}

bool conditionTrue(const std::vector<status::Condition>& conds, std::string_view type) {
  const status::Condition* c = status::findCondition(conds, type);
  return c && c->status == "True";
}

// What would make the figures meaningless: objects the benchmark meant
// to be valid that were rejected, not attached or not resolved.
struct Health {
  size_t routeParentsNotAccepted = 0;
  size_t routeParentsUnresolved = 0;
  size_t gatewaysNotProgrammed = 0;
  std::string firstProblem;
};

Health checkStatus(const status::StatusSet& set) {
  Health h;
  auto note = [&](const status::ObjectStatus& o, std::string_view what) {
    if (h.firstProblem.empty()) h.firstProblem = fmt::format("{}/{}: {}", o.namespace_, o.name, what);
  };
  for (const auto& o : set.objects) {
    if (o.kind == api::Kind::HTTPRoute) {
      for (const auto& p : std::get<status::RouteStatus>(o.status).parents) {
        if (!conditionTrue(p.conditions, "Accepted")) {
          ++h.routeParentsNotAccepted;
          note(o, "not Accepted");
        }
        if (!conditionTrue(p.conditions, "ResolvedRefs")) {
          ++h.routeParentsUnresolved;
          note(o, "refs unresolved");
        }
      }
    } else if (o.kind == api::Kind::Gateway) {
      if (!conditionTrue(std::get<status::GatewayStatus>(o.status).conditions, "Programmed")) {
        ++h.gatewaysNotProgrammed;
        note(o, "not Programmed");
      }
    }
  }
  return h;
}

void printDiagnostics(const api::Diagnostics& d, size_t limit) {
  for (size_t i = 0; i < d.size() && i < limit; ++i) fmt::print(stderr, "  {}\n", d[i].format());
  if (d.size() > limit) fmt::print(stderr, "  ... and {} more\n", d.size() - limit);
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = parseFlags(argc, argv);

  // Generation is set-up, not measured work: it stands in for the API
  // server or the files on disk.
  auto t = Clock::now();
  const bench::KeyPairPem tls = bench::makeSelfSignedCert(bench::gatewayWildcards(flags.gen.gateways));
  bench::GeneratedConfig generated = bench::generateConfig(flags.gen, tls);
  const double generateMs = msSince(t);
  const size_t yamlBytes = generated.yaml.size();
  const uint64_t rssGenerated = bench::currentRssBytes();

  t = Clock::now();
  source::LoadResult loaded = source::loadString(generated.yaml, "bench.yaml");
  const double decodeMs = msSince(t);
  // The loader keeps no reference to the text; drop it so the RSS that
  // follows is the snapshot's, as in a controller fed by a watch.
  std::string().swap(generated.yaml);
  const uint64_t rssLoaded = bench::currentRssBytes();
  const uint64_t heapLoaded = bench::heapInUseBytes();

  const size_t loadErrors = countErrors(loaded.diagnostics);
  const size_t loadWarnings = loaded.diagnostics.size() - loadErrors;
  if (loadErrors > 0 || loadWarnings > 0) {
    fmt::print(stderr, "load: {} errors, {} warnings in the generated config:\n", loadErrors, loadWarnings);
    printDiagnostics(loaded.diagnostics, 10);
  }
  if (loadErrors > 0) {
    fmt::print(stderr, "FAIL: the generator wrote objects the loader rejects\n");
    return 1;
  }

  // Each run starts from an empty Result so at most one is alive: the
  // RSS figures then describe one translation, not `repeat` of them.
  // Each Gateway gets its own address from a pool, as a cluster's
  // load-balancer controller would give it; without one, every Gateway
  // would share the listen address and all but the oldest would report
  // PortUnavailable on :80 and :443.
  translate::Options options;
  options.addressPool = {"10.255.0.0/16"};
  std::vector<double> translateMs;
  translate::Result result;
  for (int i = 0; i < flags.repeat; ++i) {
    result = translate::Result{};
    t = Clock::now();
    result = translate::translate(loaded.snapshot, options);
    translateMs.push_back(msSince(t));
  }
  const uint64_t rssTranslated = bench::currentRssBytes();

  // ru_maxrss is sampled by the kernel, so it can trail a fresh statm.
  const uint64_t rssPeak = std::max(bench::peakRssBytes(), rssTranslated);
  // Heap the last Result keeps: the IR and status a controller holds.
  const uint64_t heapTranslated = bench::heapInUseBytes();
  const uint64_t resultHeap = heapTranslated > heapLoaded ? heapTranslated - heapLoaded : 0;
  // A reload after one route changed, as `portico run` does it: the
  // snapshot shares every other object with the previous one and the
  // RouteMemo holds what the last translation compiled. Run after the
  // memory figures above, which describe cold translations.
  std::vector<double> warmMs;
  if (flags.warm > 0 && !loaded.snapshot.httpRoutes.empty()) {
    translate::RouteMemo memo;
    store::Snapshot snap = loaded.snapshot;
    (void)translate::translate(snap, options, &memo);
    std::vector<const api::HTTPRoute*> order;
    for (const auto& [key, r] : loaded.snapshot.httpRoutes) order.push_back(r.get());
    for (int i = 0; i < flags.warm; ++i) {
      // Spread over the table: a different bucket each time.
      const api::HTTPRoute* pick = order[(static_cast<size_t>(i) * 7919) % order.size()];
      auto edited = std::make_shared<api::HTTPRoute>(*pick);
      ++edited->meta.generation;
      snap.httpRoutes.erase(pick->meta.namespace_, pick->meta.name);
      snap.httpRoutes.insert(std::move(edited));
      t = Clock::now();
      translate::Result warm = translate::translate(snap, options, &memo);
      warmMs.push_back(msSince(t));
    }
    std::sort(warmMs.begin(), warmMs.end());
  }
  const double warmMedianMs = warmMs.empty() ? 0 : warmMs[warmMs.size() / 2];
  const double firstMs = translateMs.front();
  std::vector<double> sorted = translateMs;
  std::sort(sorted.begin(), sorted.end());
  const double minMs = sorted.front(), maxMs = sorted.back(), medianMs = sorted[sorted.size() / 2];
  // Total: what a controller restart pays before it can serve, i.e. one
  // decode plus one (cold) translation.
  const double totalMs = decodeMs + firstMs;

  const size_t translateErrors = countErrors(result.diagnostics);
  const Health health = checkStatus(result.status);
  const size_t routesInIr = irRoutes(result.ir);

  if (!flags.jsonOnly) {
    fmt::print("control-plane benchmark: {} HTTPRoutes, {} Gateways, {} Services ({} cross-namespace refs)\n",
               generated.routes, flags.gen.gateways, generated.services, generated.crossNamespaceRefs);
    fmt::print("  generated       {:>9.1f} ms   {:.1f} MiB of YAML, {} documents (not measured)\n",
               generateMs, mib(yamlBytes), generated.objects);
    fmt::print("  decode+validate {:>9.1f} ms   {} objects in snapshot, {} errors, {} warnings\n", decodeMs,
               loaded.snapshot.objectCount(), loadErrors, loadWarnings);
    fmt::print("  translate       {:>9.1f} ms   min of {} (median {:.1f}, max {:.1f}, first {:.1f})\n", minMs,
               flags.repeat, medianMs, maxMs, firstMs);
    fmt::print("  total           {:>9.1f} ms   decode + first translate\n", totalMs);
    if (!warmMs.empty()) {
      fmt::print(
          "  one-route edit  {:>9.1f} ms   median of {} translations with a RouteMemo, one route changed\n",
          warmMedianMs, warmMs.size());
    }
    fmt::print(
        "  output          {} status objects, {} routes in IR, {} clusters, {} binds, {} diagnostics\n",
        result.status.objects.size(), routesInIr, result.ir.clusters.size(), result.ir.binds.size(),
        result.diagnostics.size());
    fmt::print(
        "  RSS             {:.1f} MiB after generate, {:.1f} after load, {:.1f} after translate, "
        "peak {:.1f} MiB\n",
        mib(rssGenerated), mib(rssLoaded), mib(rssTranslated), mib(rssPeak));
    fmt::print("  heap in use     {:.1f} MiB snapshot, {:.1f} MiB translate result (IR + status)\n",
               mib(heapLoaded), mib(resultHeap));
  }
  fmt::print(
      "{{\"routes\":{},\"gateways\":{},\"services\":{},\"yaml_bytes\":{},\"objects\":{},\"load_errors\":{},"
      "\"load_warnings\":{},\"translate_errors\":{},\"status_objects\":{},\"ir_routes\":{},\"clusters\":{},"
      "\"generate_ms\":{:.1f},\"decode_ms\":{:.1f},\"translate_first_ms\":{:.1f},\"translate_min_ms\":{:.1f},"
      "\"translate_median_ms\":{:.1f},\"translate_max_ms\":{:.1f},\"repeat\":{},\"total_ms\":{:.1f},"
      "\"rss_after_load_mib\":{:.1f},\"rss_after_translate_mib\":{:.1f},\"peak_rss_mib\":{:.1f},"
      "\"snapshot_heap_mib\":{:.1f},\"result_heap_mib\":{:.1f},\"translate_one_edit_ms\":{:.1f}}}\n",
      generated.routes, flags.gen.gateways, generated.services, yamlBytes, loaded.snapshot.objectCount(),
      loadErrors, loadWarnings, translateErrors, result.status.objects.size(), routesInIr,
      result.ir.clusters.size(), generateMs, decodeMs, firstMs, minMs, medianMs, maxMs, flags.repeat, totalMs,
      mib(rssLoaded), mib(rssTranslated), mib(rssPeak), mib(heapLoaded), mib(resultHeap), warmMedianMs);

  if (translateErrors > 0 || health.routeParentsNotAccepted > 0 || health.routeParentsUnresolved > 0 ||
      health.gatewaysNotProgrammed > 0) {
    fmt::print(stderr,
               "FAIL: {} translate errors, {} route parents not Accepted, {} with unresolved refs, "
               "{} Gateways not Programmed (first: {})\n",
               translateErrors, health.routeParentsNotAccepted, health.routeParentsUnresolved,
               health.gatewaysNotProgrammed, health.firstProblem);
    printDiagnostics(result.diagnostics, 10);
    return 1;
  }
  return 0;
}
