#include <gtest/gtest.h>

#include <string>

#include "http1/codec.h"

namespace portico::http1 {
namespace {

struct Parsed {
  Result result;
  ResponseHead head;
  size_t consumed = 0;
  Error err;
};

Parsed parse(std::string_view raw, std::string_view method = "GET") {
  Parsed p;
  p.result = parseResponseHead(raw, method, p.head, p.consumed, p.err);
  return p;
}

TEST(ResponseHead, ContentLength) {
  const std::string raw = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello";
  Parsed p = parse(raw);
  ASSERT_EQ(p.result, Result::Done) << p.err.message;
  EXPECT_EQ(p.consumed, raw.size() - 5);
  EXPECT_EQ(p.head.status, 200);
  EXPECT_EQ(p.head.reason, "OK");
  EXPECT_EQ(p.head.versionMinor, 1);
  EXPECT_EQ(p.head.framing, BodyFraming::ContentLength);
  EXPECT_EQ(p.head.contentLength, 5u);
  EXPECT_TRUE(p.head.keepAlive);
  EXPECT_EQ(findHeader(p.head.headers, "server")->value, "x");
}

TEST(ResponseHead, ByteByByte) {
  const std::string raw = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\n";
  ResponseHead h;
  size_t consumed = 0;
  Error err;
  for (size_t n = 0; n < raw.size(); ++n) {
    ASSERT_EQ(parseResponseHead(std::string_view(raw).substr(0, n), "GET", h, consumed, err),
              Result::NeedMore);
  }
  ASSERT_EQ(parseResponseHead(raw, "GET", h, consumed, err), Result::Done);
  EXPECT_EQ(consumed, raw.size());
  EXPECT_EQ(h.status, 404);
  EXPECT_EQ(h.reason, "Not Found");
  EXPECT_EQ(h.framing, BodyFraming::Chunked);
  EXPECT_EQ(h.headers.size(), 2u);
}

TEST(ResponseHead, BodyLengthRules) {
  // RFC 9112 §6.3 in order.
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "HEAD").head.framing, BodyFraming::None);
  EXPECT_EQ(parse("HTTP/1.1 100 Continue\r\n\r\n").head.framing, BodyFraming::None);
  EXPECT_EQ(parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n").head.framing,
            BodyFraming::None);
  EXPECT_EQ(parse("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n").head.framing,
            BodyFraming::None);
  EXPECT_EQ(parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n").head.framing, BodyFraming::None);
  EXPECT_EQ(parse("HTTP/1.1 200 Connection Established\r\n\r\n", "CONNECT").head.framing, BodyFraming::None);
  EXPECT_EQ(parse("HTTP/1.1 407 Auth\r\nContent-Length: 0\r\n\r\n", "CONNECT").head.framing,
            BodyFraming::ContentLength);
  Parsed p = parse("HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_EQ(p.head.framing, BodyFraming::UntilClose);
  EXPECT_FALSE(p.head.keepAlive);
}

TEST(ResponseHead, Persistence) {
  EXPECT_FALSE(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").head.keepAlive);
  EXPECT_TRUE(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").head.keepAlive);
  EXPECT_FALSE(parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").head.keepAlive);
}

TEST(ResponseHead, ToleratesMissingReason) {
  Parsed p = parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(p.result, Result::Done);
  EXPECT_EQ(p.head.reason, "");
  EXPECT_EQ(parse("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n").result, Result::Done);
}

TEST(ResponseHead, ErrorsAreBadGateway) {
  for (std::string_view raw : {
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
           "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
           "HTTP/2.0 200 OK\r\n\r\n",
           "HTTP/1.1 20 OK\r\n\r\n",
           "HTTP/1.1 2000 OK\r\n\r\n",
           "HTTP/1.1 099 Low\r\n\r\n",
           "HTTP/1.1 600 High\r\n\r\n",
           "HTTP/1.1  200 OK\r\n\r\n",
           "http/1.1 200 OK\r\n\r\n",
           "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
           "HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
           "HTTP/1.1 200 OK\r\nX : a\r\n\r\n",
           "HTTP/1.1 200 O\x01K\r\n\r\n",
       }) {
    Parsed p = parse(raw);
    EXPECT_EQ(p.result, Result::Error) << raw;
    EXPECT_EQ(p.err.status, 502) << raw;
  }
}

TEST(ResponseHead, Limits) {
  Limits limits;
  limits.maxHeaders = 2;
  ResponseHead h;
  size_t consumed = 0;
  Error err;
  EXPECT_EQ(
      parseResponseHead("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", "GET", limits, h, consumed, err),
      Result::Error);
  EXPECT_EQ(err.status, 502);
  const std::string longLine = "HTTP/1.1 200 " + std::string(10000, 'x');
  EXPECT_EQ(parseResponseHead(longLine, "GET", h, consumed, err), Result::Error);
}

}  // namespace
}  // namespace portico::http1
