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

namespace {

using namespace std::string_view_literals;
namespace http1 = portico::http1;

constexpr std::string_view kBrowserRequest =
    "GET /catalog/items/42?view=full&ref=home HTTP/1.1\r\n"
    "Host: shop.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Referer: https://shop.example.com/\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: session=3f6c2a9e1b7d4c08a5e2f1d3c4b5a697; theme=dark; consent=yes\r\n"
    "Upgrade-Insecure-Requests: 1\r\n"
    "Sec-Fetch-Dest: document\r\n"
    "\r\n"sv;

constexpr std::string_view kCurlRequest =
    "GET / HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "User-Agent: curl/8.5.0\r\n"
    "Accept: */*\r\n"
    "\r\n"sv;

constexpr std::string_view kTypicalResponse =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.24.0\r\n"
    "Date: Wed, 27 Nov 2024 12:00:00 GMT\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Length: 5120\r\n"
    "Connection: keep-alive\r\n"
    "Cache-Control: private, max-age=0\r\n"
    "ETag: \"5f3a-64c1b2e0\"\r\n"
    "Vary: Accept-Encoding\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "\r\n"sv;

constexpr std::string_view kMinimalResponse = "HTTP/1.1 204 No Content\r\n\r\n"sv;

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
