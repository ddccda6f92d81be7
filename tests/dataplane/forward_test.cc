// The heads the proxy writes (dataplane/forward.h), as strings: the
// downstream response head with and without ResponseHeaderModifier (two
// code paths that must agree), local responses and generated request ids.
#include "dataplane/forward.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "http1/parser.h"

namespace portico::dataplane {
namespace {

http1::ResponseHead upstreamHead() {
  http1::ResponseHead resp;
  resp.status = 200;
  resp.reason = "OK";
  resp.headers = {
      {"Server", "backend"},    {"Connection", "keep-alive, X-Hop"}, {"X-Hop", "1"},
      {"Content-Length", "19"}, {"Keep-Alive", "timeout=5"},         {"Content-Type", "text/plain"}};
  resp.framing = http1::BodyFraming::ContentLength;
  resp.contentLength = 19;
  return resp;
}

TEST(DownstreamHead, FieldsPassAsTheyCameWithoutHopByHopOnes) {
  const ir::Route route;
  bool chunked = true, close = true;
  const std::string head = buildDownstreamHead(upstreamHead(), route, nullptr, 1, true, chunked, close);
  EXPECT_EQ(head,
            "HTTP/1.1 200 OK\r\nServer: backend\r\nContent-Type: text/plain\r\nContent-Length: 19\r\n\r\n");
  EXPECT_FALSE(chunked);
  EXPECT_FALSE(close);
}

// With a modifier the same fields go through the header list; only the
// modifier's changes differ from the direct path.
TEST(DownstreamHead, ResponseHeaderModifierAppliesOnTopOfTheSameFields) {
  ir::Route route;
  route.filters.responseHeaders.set = {{"X-Set", "v"}};
  route.filters.responseHeaders.remove = {"server"};
  bool chunked = true, close = false;
  const std::string head = buildDownstreamHead(upstreamHead(), route, nullptr, 0, false, chunked, close);
  EXPECT_EQ(head,
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nX-Set: v\r\nContent-Length: 19\r\n"
            "Connection: close\r\n\r\n");
  EXPECT_TRUE(close);
}

TEST(DownstreamHead, UnframedBodyIsChunkedForHttp11AndClosesForHttp10) {
  http1::ResponseHead resp;
  resp.status = 503;
  resp.framing = http1::BodyFraming::UntilClose;
  const ir::Route route;
  bool chunked = false, close = false;
  EXPECT_EQ(buildDownstreamHead(resp, route, nullptr, 1, true, chunked, close),
            "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_TRUE(chunked);
  EXPECT_FALSE(close);
  EXPECT_EQ(buildDownstreamHead(resp, route, nullptr, 0, true, chunked, close),
            "HTTP/1.0 503 Service Unavailable\r\nConnection: close\r\n\r\n");
  EXPECT_FALSE(chunked);
  EXPECT_TRUE(close);
}

TEST(LocalResponse, StatusLineLengthAndBody) {
  EXPECT_EQ(localResponse(404, "no route", false, {{"X-A", "1"}}),
            "HTTP/1.1 404 Not Found\r\nX-A: 1\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 8\r\nConnection: close\r\n\r\nno route");
  EXPECT_EQ(localResponse(204, "", true), "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
}

TEST(RequestId, ThirtyTwoLowerCaseHexDigitsOfBothValues) {
  EXPECT_EQ(makeRequestId(0, 0), std::string(32, '0'));
  EXPECT_EQ(makeRequestId(0x0123456789abcdefULL, 0xfedcba9876543210ULL), "0123456789abcdeffedcba9876543210");
  EXPECT_EQ(makeRequestId(1, 0xffffffffffffffffULL), "0000000000000001ffffffffffffffff");
}

}  // namespace
}  // namespace portico::dataplane

namespace portico::dataplane {
namespace {

// buildUpstreamHead writes the head straight from the request when no
// RequestHeaderModifier applies; it must give exactly the bytes of the
// general path (prepareUpstream + serializeUpstreamHead) for any request.
TEST(UpstreamHead, DirectPathAgreesWithTheHeaderListPath) {
  const std::vector<std::string> requests = {
      "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n",
      "GET /p?q=1&r HTTP/1.0\r\nHost: a.example\r\nX-Forwarded-For: 10.0.0.1\r\nx-forwarded-for: , "
      "10.0.0.2\r\n"
      "X-Forwarded-Proto: https\r\nX-Request-Id: abc\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\n"
      "Keep-Alive: 5\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
      "POST /upload HTTP/1.1\r\nHost: b.example:8080\r\nTransfer-Encoding: chunked\r\nX-Forwarded-Host: c\r\n"
      "Accept: */*\r\n\r\n",
      "GET /chat HTTP/1.1\r\nHost: ws.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Key: k\r\nSec-WebSocket-Version: 13\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost: a.example\r\nX-Forwarded-For:\r\nX-Forwarded-For: 192.0.2.1\r\n\r\n",
  };
  ir::Route plain;
  ir::Route rewritten;
  rewritten.filters.rewrite.emplace();
  rewritten.filters.rewrite->hostname = "internal.example";
  rewritten.filters.rewrite->path = {ir::PathRewriteKind::Full, "/v2"};
  auto backendFilters = std::make_shared<ir::Filters>();
  backendFilters->rewrite.emplace();
  backendFilters->rewrite->path = {ir::PathRewriteKind::Full, "/from-backend"};
  ir::Backend backendRewrite;
  backendRewrite.filters = backendFilters;
  for (const auto& text : requests) {
    http1::RequestHead req;
    size_t consumed = 0;
    http1::Error err;
    ASSERT_EQ(http1::parseRequestHead(text, http1::Limits{}, req, consumed, err), http1::Result::Done)
        << text;
    for (bool upgrade : {false, true}) {
      for (bool via : {false, true}) {
        ForwardContext ctx;
        ctx.clientAddress = "198.51.100.7";
        ctx.scheme = "http";
        ctx.requestId = "0123456789abcdef0123456789abcdef";
        ctx.addVia = via;
        ctx.upgrade = upgrade;
        for (const ir::Route* route : {&plain, &rewritten}) {
          for (const ir::Backend* backend :
               {static_cast<const ir::Backend*>(nullptr), static_cast<const ir::Backend*>(&backendRewrite)}) {
            EXPECT_EQ(buildUpstreamHead(req, *route, backend, ctx),
                      serializeUpstreamHead(prepareUpstream(req, *route, backend, ctx)))
                << text << " upgrade=" << upgrade << " via=" << via;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace portico::dataplane
