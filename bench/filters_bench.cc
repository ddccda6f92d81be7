// Header-filter application cost (spec §12.9 RequestHeaderModifier and
// ResponseHeaderModifier), one of the microbenchmarks
// ("header-filter application"). Two levels:
//   - router::applyHeaderOps() alone, on the owned header list the data
//     plane builds per request (src/dataplane/forward.cc): `owned_copy` is
//     that list's construction by itself, so `request_modifier` -
//     `owned_copy` is what the modifier adds;
//   - the whole head the proxy writes, with and without a modifier:
//     dataplane::buildUpstreamHead() (hop-by-hop fields dropped,
//     X-Forwarded-*, X-Request-Id, filters, serialisation) and
//     buildDownstreamHead() (which skips the owned copy entirely when the
//     route has no ResponseHeaderModifier).
// Inputs: a browser-like request with 10 header fields and a web server's
// 200 with 9; each modifier has 2 `set` (one replacing a field, one
// appended), 1-2 `add` and 2 `remove` entries.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/forward.h"
#include "http1/parser.h"
#include "router/filters.h"
#include "sample_heads.h"

namespace {

using namespace std::string_view_literals;
using namespace portico::bench;
namespace http1 = portico::http1;
namespace ir = portico::ir;
namespace router = portico::router;
namespace dataplane = portico::dataplane;

ir::HeaderOps requestOps() {
  ir::HeaderOps ops;
  ops.set = {{"Accept-Encoding", "identity"}, {"X-Env", "production"}};  // replaced, appended
  ops.add = {{"X-Gateway", "portico"}, {"X-Team", "payments"}};
  ops.remove = {"x-debug", "x-internal-trace"};
  return ops;
}

ir::HeaderOps responseOps() {
  ir::HeaderOps ops;
  ops.set = {{"Cache-Control", "no-store"}, {"X-Frame-Options", "DENY"}};  // replaced, appended
  ops.add = {{"X-Served-By", "portico"}};
  ops.remove = {"server", "x-powered-by"};
  return ops;
}

// Parsed request and response plus routes with and without the modifiers.
struct Inputs {
  http1::RequestHead req;
  http1::ResponseHead resp;
  ir::Route plain;
  ir::Route filtered;
  bool ok = false;

  Inputs() {
    size_t consumed = 0;
    http1::Error err;
    ok = http1::parseRequestHead(kBrowserRequest, http1::Limits{}, req, consumed, err) ==
             http1::Result::Done &&
         http1::parseResponseHead(kTypicalResponse, "GET", resp, consumed, err) == http1::Result::Done;
    plain.backends.push_back({"default/shop:80", 1, 500, nullptr});
    filtered = plain;
    filtered.filters.requestHeaders = requestOps();
    filtered.filters.responseHeaders = responseOps();
  }
};

const Inputs& inputs() {
  static const Inputs in;
  return in;
}

// The owned list forward.cc builds before applying a modifier.
router::HeaderList ownedCopy(const std::vector<http1::Header>& headers) {
  router::HeaderList list;
  list.reserve(headers.size() + 6);
  for (const auto& h : headers) list.emplace_back(std::string(h.name), std::string(h.value));
  return list;
}

void BM_OwnedCopy(benchmark::State& state) {
  const Inputs& in = inputs();
  for (auto _ : state) {
    auto list = ownedCopy(in.req.headers);
    benchmark::DoNotOptimize(list);
  }
}

void BM_Apply(benchmark::State& state, bool request) {
  const Inputs& in = inputs();
  const ir::HeaderOps& ops =
      request ? in.filtered.filters.requestHeaders : in.filtered.filters.responseHeaders;
  const auto& headers = request ? in.req.headers : in.resp.headers;
  for (auto _ : state) {
    auto list = ownedCopy(headers);
    router::applyHeaderOps(ops, list);
    benchmark::DoNotOptimize(list);
  }
}

void BM_UpstreamHead(benchmark::State& state, bool withModifier) {
  const Inputs& in = inputs();
  const ir::Route& route = withModifier ? in.filtered : in.plain;
  dataplane::ForwardContext ctx;
  ctx.clientAddress = "192.0.2.10";
  ctx.scheme = "http";
  ctx.requestId = "0123456789abcdef0123456789abcdef";
  for (auto _ : state) {
    auto head = dataplane::buildUpstreamHead(in.req, route, &route.backends[0], ctx);
    benchmark::DoNotOptimize(head);
  }
}

void BM_DownstreamHead(benchmark::State& state, bool withModifier) {
  const Inputs& in = inputs();
  const ir::Route& route = withModifier ? in.filtered : in.plain;
  bool chunked = false, close = false;
  for (auto _ : state) {
    auto head = dataplane::buildDownstreamHead(in.resp, route, &route.backends[0], 1, true, chunked, close);
    benchmark::DoNotOptimize(head);
  }
}

// A benchmark of filters that do nothing would be meaningless: check once
// that the heads actually change.
bool modifiersApplied() {
  const Inputs& in = inputs();
  dataplane::ForwardContext ctx;
  ctx.clientAddress = "192.0.2.10";
  ctx.scheme = "http";
  ctx.requestId = "0123456789abcdef0123456789abcdef";
  const std::string up = dataplane::buildUpstreamHead(in.req, in.filtered, &in.filtered.backends[0], ctx);
  bool chunked = false, close = false;
  const std::string down =
      dataplane::buildDownstreamHead(in.resp, in.filtered, &in.filtered.backends[0], 1, true, chunked, close);
  auto has = [](const std::string& head, std::string_view line) {
    return head.find(line) != std::string::npos;
  };
  return has(up, "Accept-Encoding: identity\r\n") && has(up, "X-Env: production\r\n") &&
         has(up, "X-Team: payments\r\n") && !has(up, "X-Debug") && has(down, "Cache-Control: no-store\r\n") &&
         has(down, "X-Served-By: portico\r\n") && !has(down, "Server:") && !has(down, "X-Powered-By");
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (!inputs().ok) {
    fprintf(stderr, "filters_bench: the sample request or response does not parse\n");
    return 1;
  }
  if (!modifiersApplied()) {
    fprintf(stderr, "filters_bench: the modifiers are not applied as expected\n");
    return 1;
  }
  benchmark::RegisterBenchmark("BM_Filters/owned_copy", BM_OwnedCopy);
  benchmark::RegisterBenchmark("BM_Filters/request_modifier", BM_Apply, true);
  benchmark::RegisterBenchmark("BM_Filters/response_modifier", BM_Apply, false);
  benchmark::RegisterBenchmark("BM_Filters/upstream_head_plain", BM_UpstreamHead, false);
  benchmark::RegisterBenchmark("BM_Filters/upstream_head_request_modifier", BM_UpstreamHead, true);
  benchmark::RegisterBenchmark("BM_Filters/downstream_head_plain", BM_DownstreamHead, false);
  benchmark::RegisterBenchmark("BM_Filters/downstream_head_response_modifier", BM_DownstreamHead, true);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
