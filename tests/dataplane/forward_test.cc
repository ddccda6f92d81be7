// The heads the proxy writes (dataplane/forward.h), as strings: the
// downstream response head with and without ResponseHeaderModifier (two
// code paths that must agree), local responses and generated request ids.
#include "dataplane/forward.h"

#include <gtest/gtest.h>

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
