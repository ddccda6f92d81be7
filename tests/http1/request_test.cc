#include <gtest/gtest.h>

#include <string>

#include "http1/codec.h"
#include "http1/util.h"

namespace portico::http1 {
namespace {

std::string describe(const RequestHead& h) {
  std::string s = std::string(h.method) + " " + std::string(h.target) + " path=" + std::string(h.path) +
                  " query=" + std::string(h.query) + " v=" + std::to_string(h.versionMinor) +
                  " host=" + std::string(h.host) + " framing=" + std::to_string(static_cast<int>(h.framing)) +
                  " cl=" + std::to_string(h.contentLength) + " ka=" + std::to_string(h.keepAlive) +
                  " expect=" + std::to_string(h.expectContinue) + " upgrade=" + std::to_string(h.upgrade);
  for (const Header& x : h.headers) s += " [" + std::string(x.name) + "=" + std::string(x.value) + "]";
  return s;
}

RequestHead parseOk(std::string_view raw, size_t* consumedOut = nullptr) {
  RequestHead h;
  size_t consumed = 0;
  Error err;
  EXPECT_EQ(parseRequestHead(raw, Limits{}, h, consumed, err), Result::Done) << err.message;
  if (consumedOut) *consumedOut = consumed;
  return h;
}

int parseStatus(std::string_view raw, const Limits& limits = {}) {
  RequestHead h;
  size_t consumed = 0;
  Error err;
  const Result r = parseRequestHead(raw, limits, h, consumed, err);
  if (r == Result::NeedMore) return 0;
  return r == Result::Done ? 200 : err.status;
}

TEST(RequestHead, ParsesSimpleGet) {
  const std::string raw = "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n";
  size_t consumed = 0;
  RequestHead h = parseOk(raw, &consumed);
  EXPECT_EQ(consumed, raw.size());
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.target, "/a/b?x=1&y=2");
  EXPECT_EQ(h.path, "/a/b");
  EXPECT_EQ(h.query, "x=1&y=2");
  EXPECT_EQ(h.versionMinor, 1);
  EXPECT_EQ(h.host, "example.com");
  EXPECT_EQ(h.framing, BodyFraming::None);
  EXPECT_TRUE(h.keepAlive);
  ASSERT_EQ(h.headers.size(), 2u);
  EXPECT_EQ(h.headers[1].name, "User-Agent");
  // Views point into the input: nothing was copied.
  EXPECT_GE(h.path.data(), raw.data());
  EXPECT_LT(h.path.data(), raw.data() + raw.size());
}

TEST(RequestHead, ByteByByteGivesNeedMoreThenSameResult) {
  const std::string raw =
      "POST /upload?id=7 HTTP/1.1\r\nHost: h:8080\r\nContent-Length: 11\r\nExpect: 100-continue\r\n"
      "X-Empty:\r\nX-Ows: \t padded value \t\r\n\r\n";
  const std::string expected = describe(parseOk(raw));
  RequestHead h;
  size_t consumed = 0;
  Error err;
  for (size_t n = 0; n < raw.size(); ++n) {
    ASSERT_EQ(parseRequestHead(std::string_view(raw).substr(0, n), Limits{}, h, consumed, err),
              Result::NeedMore)
        << "prefix " << n;
  }
  ASSERT_EQ(parseRequestHead(raw, Limits{}, h, consumed, err), Result::Done);
  EXPECT_EQ(consumed, raw.size());
  EXPECT_EQ(describe(h), expected);
  EXPECT_EQ(h.framing, BodyFraming::ContentLength);
  EXPECT_EQ(h.contentLength, 11u);
  EXPECT_TRUE(h.expectContinue);
  EXPECT_EQ(findHeader(h.headers, "x-empty")->value, "");
  EXPECT_EQ(findHeader(h.headers, "X-OWS")->value, "padded value");
  EXPECT_EQ(findHeader(h.headers, "missing"), nullptr);
}

TEST(RequestHead, PipelinedRequestsInOneBuffer) {
  const std::string raw =
      "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
      "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
      "PUT /three HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
      "\r\nGET /four HTTP/1.0\r\n\r\n";
  std::string_view buf = raw;
  std::vector<std::string> seen;
  RequestHead h;
  ChunkedDecoder dec;
  while (!buf.empty()) {
    size_t consumed = 0;
    Error err;
    ASSERT_EQ(parseRequestHead(buf, Limits{}, h, consumed, err), Result::Done) << err.message;
    std::string entry = std::string(h.path);
    buf.remove_prefix(consumed);
    if (h.framing == BodyFraming::ContentLength) {
      entry += ":" + std::string(buf.substr(0, h.contentLength));
      buf.remove_prefix(h.contentLength);
    } else if (h.framing == BodyFraming::Chunked) {
      std::vector<std::string_view> data;
      dec.reset();
      ASSERT_EQ(dec.decode(buf, consumed, data, err), Result::Done);
      for (auto d : data) entry += ":" + std::string(d);
      buf.remove_prefix(consumed);
    }
    seen.push_back(entry);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"/one", "/two:hello", "/three:abc", "/four"}));
}

TEST(RequestHead, ReusesHeaderStorage) {
  RequestHead h;
  size_t consumed = 0;
  Error err;
  const std::string a = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
  ASSERT_EQ(parseRequestHead(a, Limits{}, h, consumed, err), Result::Done);
  const Header* storage = h.headers.data();
  const size_t capacity = h.headers.capacity();
  ASSERT_EQ(parseRequestHead("GET / HTTP/1.1\r\nHost: b\r\n\r\n", Limits{}, h, consumed, err), Result::Done);
  EXPECT_EQ(h.headers.data(), storage);
  EXPECT_EQ(h.headers.capacity(), capacity);
  EXPECT_EQ(h.host, "b");
}

TEST(RequestHead, TargetForms) {
  RequestHead h = parseOk("GET http://Example.com:8080 HTTP/1.1\r\nHost: other\r\n\r\n");
  EXPECT_EQ(h.host, "Example.com:8080");
  EXPECT_EQ(h.path, "/");
  h = parseOk("GET HTTPS://b.example?q HTTP/1.1\r\nHost: b.example\r\n\r\n");
  EXPECT_EQ(h.path, "/");
  EXPECT_EQ(h.query, "q");
  h = parseOk("GET http://[::1]:80/p/q?r=s HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(h.host, "[::1]:80");
  EXPECT_EQ(h.path, "/p/q");
  EXPECT_EQ(h.query, "r=s");
  h = parseOk("CONNECT b.example:443 HTTP/1.1\r\nHost: b.example:443\r\n\r\n");
  EXPECT_EQ(h.target, "b.example:443");
  EXPECT_EQ(h.path, "");
  h = parseOk("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(h.path, "*");
  h = parseOk("GET /? HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(h.path, "/");
  EXPECT_EQ(h.query, "");
  EXPECT_EQ(parseStatus("CONNECT b.example HTTP/1.1\r\nHost: b\r\n\r\n"), 400);
  EXPECT_EQ(parseStatus("CONNECT b.example:99999x HTTP/1.1\r\nHost: b\r\n\r\n"), 400);
  EXPECT_EQ(parseStatus("GET http:// HTTP/1.1\r\nHost: b\r\n\r\n"), 400);
}

TEST(RequestHead, ConnectionSemantics) {
  EXPECT_FALSE(parseOk("GET / HTTP/1.0\r\n\r\n").keepAlive);
  EXPECT_TRUE(parseOk("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive);
  EXPECT_FALSE(parseOk("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n").keepAlive);
  EXPECT_TRUE(parseOk("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n").keepAlive);

  RequestHead h =
      parseOk("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n");
  EXPECT_TRUE(h.upgrade);
  EXPECT_FALSE(parseOk("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n").upgrade);
  EXPECT_FALSE(parseOk("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n").upgrade);
  // RFC 9110 §7.8 / §10.1.1: ignored in HTTP/1.0.
  EXPECT_FALSE(parseOk("GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n").upgrade);
  EXPECT_FALSE(parseOk("GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").expectContinue);
}

TEST(RequestHead, AcceptsValidOddities) {
  // Empty lines before the request-line are skipped (RFC 9112 §2.2).
  size_t consumed = 0;
  RequestHead h = parseOk("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", &consumed);
  EXPECT_EQ(consumed, 31u);
  // obs-text is allowed in values; tchar punctuation in names and methods.
  h = parseOk("M-SEARCH / HTTP/1.1\r\nHost: a\r\nX_!#$%&'*+.^`|~: caf\xC3\xA9\r\n\r\n");
  EXPECT_EQ(h.method, "M-SEARCH");
  EXPECT_EQ(h.headers[1].value, "caf\xC3\xA9");
  // Leading zeros are digits too.
  EXPECT_EQ(parseOk("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n").contentLength, 7u);
  EXPECT_EQ(
      parseOk("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n").contentLength,
      9223372036854775807u);
  EXPECT_EQ(parseOk("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n").framing,
            BodyFraming::ContentLength);
  EXPECT_EQ(parseOk("GET / HTTP/1.1\r\nHost:\r\n\r\n").host, "");
}

TEST(RequestHead, RequestLineLimit) {
  Limits limits;
  limits.maxRequestLine = 32;
  const std::string exact = "GET /" + std::string(32 - 14, 'a') + " HTTP/1.1";
  ASSERT_EQ(exact.size(), 32u);
  EXPECT_EQ(parseStatus(exact + "\r\nHost: a\r\n\r\n", limits), 200);
  EXPECT_EQ(parseStatus("GET /a" + exact.substr(5) + "\r\nHost: a\r\n\r\n", limits), 414);
  // Rejected before the line is complete, so nothing unbounded is buffered.
  EXPECT_EQ(parseStatus(exact + "\r", limits), 0);
  EXPECT_EQ(parseStatus(exact + "xx", limits), 414);
}

TEST(RequestHead, HeaderLimits) {
  Limits limits;
  limits.maxHeaders = 3;
  limits.maxHeaderBytes = 40;
  const std::string line = "GET / HTTP/1.1\r\n";
  EXPECT_EQ(parseStatus(line + "Host: a\r\nB: 1\r\nC: 2\r\n\r\n", limits), 200);
  EXPECT_EQ(parseStatus(line + "Host: a\r\nB: 1\r\nC: 2\r\nD: 3\r\n\r\n", limits), 431);
  // 38 bytes of field lines + the final CRLF = 40: at the limit.
  const std::string fields = "Host: a\r\nX: " + std::string(38 - 14, 'v') + "\r\n";
  ASSERT_EQ(fields.size(), 38u);
  EXPECT_EQ(parseStatus(line + fields + "\r\n", limits), 200);
  EXPECT_EQ(parseStatus(line + "Host: a\r\nX: vv" + fields.substr(13) + "\r\n", limits), 431);
  // An unterminated header section is cut off at the limit.
  EXPECT_EQ(parseStatus(line + "Host: a\r\nX: " + std::string(40, 'v'), limits), 431);
}

TEST(RequestHead, IncompleteInputIsNeedMore) {
  for (std::string_view raw : {"", "G", "GET / HTTP/1.1", "GET / HTTP/1.1\r", "GET / HTTP/1.1\r\nHost: a\r\n",
                               "GET / HTTP/1.1\r\nHost: a\r\n\r", "\r\n", "\r"}) {
    EXPECT_EQ(parseStatus(raw), 0) << raw;
  }
}

}  // namespace
}  // namespace portico::http1
