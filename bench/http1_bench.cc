// HTTP/1.1 head parsing cost (src/http1: parseRequestHead and
// parseResponseHead), the first thing the data plane does with every
// request and every upstream response. The issue asks for "HTTP/1 parse"
// among its microbenchmarks; these are per-head CPU times to compare a
// parser change before and after.
//
// Cases, each parsed from a complete head already in memory into a reused
// head object (as the session does: no allocation in steady state):
//   request_browser   a browser navigation: 10 header fields, ~500 bytes;
//   request_curl      curl's minimal GET: 3 header fields;
//   response_typical  a web server's 200: 9 header fields, Content-Length;
//   response_minimal  a 204 with no header fields.
// The benchmark fails (SkipWithError) if a head does not parse in full.
#include <benchmark/benchmark.h>

#include <string_view>

#include "http1/parser.h"
#include "sample_heads.h"

namespace {

using namespace std::string_view_literals;
using namespace portico::bench;
namespace http1 = portico::http1;

void BM_ParseRequest(benchmark::State& state, std::string_view raw) {
  const http1::Limits limits;
  http1::RequestHead head;
  size_t consumed = 0;
  http1::Error err;
  if (http1::parseRequestHead(raw, limits, head, consumed, err) != http1::Result::Done ||
      consumed != raw.size()) {
    state.SkipWithError("request head does not parse");
    return;
  }
  for (auto _ : state) {
    auto r = http1::parseRequestHead(raw, limits, head, consumed, err);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(head);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * raw.size()));
  state.counters["headers"] = static_cast<double>(head.headers.size());
}

void BM_ParseResponse(benchmark::State& state, std::string_view raw) {
  http1::ResponseHead head;
  size_t consumed = 0;
  http1::Error err;
  if (http1::parseResponseHead(raw, "GET", head, consumed, err) != http1::Result::Done ||
      consumed != raw.size()) {
    state.SkipWithError("response head does not parse");
    return;
  }
  for (auto _ : state) {
    auto r = http1::parseResponseHead(raw, "GET", head, consumed, err);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(head);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * raw.size()));
  state.counters["headers"] = static_cast<double>(head.headers.size());
}

BENCHMARK_CAPTURE(BM_ParseRequest, request_browser, kBrowserRequest)->Name("BM_Http1Parse/request_browser");
BENCHMARK_CAPTURE(BM_ParseRequest, request_curl, kCurlRequest)->Name("BM_Http1Parse/request_curl");
BENCHMARK_CAPTURE(BM_ParseResponse, response_typical, kTypicalResponse)
    ->Name("BM_Http1Parse/response_typical");
BENCHMARK_CAPTURE(BM_ParseResponse, response_minimal, kMinimalResponse)
    ->Name("BM_Http1Parse/response_minimal");

}  // namespace

BENCHMARK_MAIN();
