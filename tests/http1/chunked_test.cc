#include <gtest/gtest.h>

#include <string>

#include "http1/codec.h"

namespace portico::http1 {
namespace {

struct Decoded {
  Result result = Result::NeedMore;
  std::string data;
  size_t consumed = 0;  // total over all calls
  Error err;
};

Decoded decodeWhole(ChunkedDecoder& dec, std::string_view in) {
  Decoded d;
  std::vector<std::string_view> parts;
  d.result = dec.decode(in, d.consumed, parts, d.err);
  for (auto p : parts) {
    EXPECT_GE(p.data(), in.data());  // views into the input
    EXPECT_LE(p.data() + p.size(), in.data() + in.size());
    d.data += p;
  }
  return d;
}

// Feeds `in` one byte at a time, keeping unconsumed bytes like a proxy's
// read buffer would.
Decoded decodeBytewise(ChunkedDecoder& dec, std::string_view in) {
  Decoded d;
  std::string pending;
  for (size_t i = 0; i < in.size() && d.result == Result::NeedMore; ++i) {
    pending += in[i];
    std::vector<std::string_view> parts;
    size_t consumed = 0;
    d.result = dec.decode(pending, consumed, parts, d.err);
    for (auto p : parts) d.data += p;
    pending.erase(0, consumed);
    d.consumed += consumed;
  }
  return d;
}

TEST(ChunkedDecoder, DecodesWithExtensionsAndTrailers) {
  const std::string body =
      "5\r\nhello\r\n"
      "6;name=value;quoted=\"a \\\" b\" ; flag\r\n world\r\n"
      "A\r\n0123456789\r\n"
      "0\r\nExpires: never\r\nX-Sum:  abc \r\n\r\n";
  for (bool bytewise : {false, true}) {
    ChunkedDecoder dec;
    Decoded d = bytewise ? decodeBytewise(dec, body + "NEXT") : decodeWhole(dec, body + "NEXT");
    ASSERT_EQ(d.result, Result::Done) << d.err.message;
    EXPECT_EQ(d.data, "hello world0123456789");
    EXPECT_EQ(d.consumed, body.size());  // the next message is left alone
    EXPECT_TRUE(dec.done());
    ASSERT_EQ(dec.trailers().size(), 2u);
    EXPECT_EQ(dec.trailers()[0], (std::pair<std::string, std::string>{"Expires", "never"}));
    EXPECT_EQ(dec.trailers()[1].second, "abc");
  }
}

TEST(ChunkedDecoder, HandsOutDataBeforeTheChunkEnds) {
  ChunkedDecoder dec;
  std::vector<std::string_view> parts;
  size_t consumed = 0;
  Error err;
  ASSERT_EQ(dec.decode("a\r\n0123", consumed, parts, err), Result::NeedMore);
  EXPECT_EQ(consumed, 7u);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0], "0123");
  ASSERT_EQ(dec.decode("456789\r", consumed, parts, err), Result::NeedMore);
  EXPECT_EQ(consumed, 6u);  // the lone CR waits for its LF
  ASSERT_EQ(dec.decode("\r\n0\r\n\r\n", consumed, parts, err), Result::Done);
  EXPECT_EQ(consumed, 7u);
  EXPECT_EQ(parts.size(), 2u);
}

TEST(ChunkedDecoder, ErrorsAreStickyUntilReset) {
  ChunkedDecoder dec;
  Decoded d = decodeWhole(dec, "zz\r\n");
  ASSERT_EQ(d.result, Result::Error);
  EXPECT_EQ(d.err.status, 400);
  d = decodeWhole(dec, "0\r\n\r\n");
  EXPECT_EQ(d.result, Result::Error);
  dec.reset();
  d = decodeWhole(dec, "0\r\n\r\n");
  EXPECT_EQ(d.result, Result::Done);
  EXPECT_TRUE(dec.trailers().empty());
}

TEST(ChunkedDecoder, Limits) {
  ChunkedDecoder dec;
  dec.maxChunkSize = 16;
  EXPECT_EQ(decodeWhole(dec, "10\r\n").result, Result::NeedMore);
  dec.reset();
  EXPECT_EQ(decodeWhole(dec, "11\r\n").result, Result::Error);
  dec.reset();
  // 16 digits are read (leading zeros included), 17 are not.
  dec.maxChunkSize = UINT64_MAX;
  EXPECT_EQ(decodeWhole(dec, "0000000000000001\r\nx\r\n0\r\n\r\n").result, Result::Done);
  dec.reset();
  EXPECT_EQ(decodeWhole(dec, "00000000000000001\r\nx\r\n0\r\n\r\n").result, Result::Error);
  dec.reset();
  dec.maxChunkLine = 8;
  EXPECT_EQ(decodeWhole(dec, "1;a=1234\r\nx\r\n0\r\n\r\n").result, Result::Done);
  dec.reset();
  EXPECT_EQ(decodeWhole(dec, "1;a=12345\r\n").result, Result::Error);
  dec.reset();
  // An unterminated size line is cut off at the limit, not buffered.
  EXPECT_EQ(decodeWhole(dec, "1;a=123456").result, Result::Error);
  dec.reset();
  dec.trailerLimits.maxHeaders = 1;
  Decoded d = decodeWhole(dec, "0\r\nA: 1\r\nB: 2\r\n\r\n");
  EXPECT_EQ(d.result, Result::Error);
  EXPECT_EQ(d.err.status, 431);
  dec.reset();
  dec.trailerLimits.maxHeaderBytes = 12;
  EXPECT_EQ(decodeWhole(dec, "0\r\nA: 12345\r\n\r\n").result, Result::Done);  // 10 + 2 bytes
  dec.reset();
  EXPECT_EQ(decodeWhole(dec, "0\r\nA: 123456\r\n\r\n").result, Result::Error);
}

TEST(Serialize, ChunkFramingRoundTrips) {
  std::string out;
  appendChunkHeader(out, 255);
  EXPECT_EQ(out, "ff\r\n");
  out.append(255, 'x');
  appendChunkEnd(out);
  appendChunkHeader(out, 1);
  out += "y";
  appendChunkEnd(out);
  appendLastChunk(out, {{"X-Checksum", "abc"}});
  EXPECT_EQ(out.substr(out.size() - 22), "0\r\nX-Checksum: abc\r\n\r\n");
  ChunkedDecoder dec;
  Decoded d = decodeWhole(dec, out);
  ASSERT_EQ(d.result, Result::Done);
  EXPECT_EQ(d.data, std::string(255, 'x') + "y");
  EXPECT_EQ(dec.trailers().size(), 1u);
}

TEST(Serialize, StartLinesAndFields) {
  std::string out;
  appendStatusLine(out, 404);
  appendStatusLine(out, 200, "Fine", 0);
  appendRequestLine(out, "GET", "/x?y");
  appendHeader(out, "Host", "a");
  EXPECT_EQ(out, "HTTP/1.1 404 Not Found\r\nHTTP/1.0 200 Fine\r\nGET /x?y HTTP/1.1\r\nHost: a\r\n");
  EXPECT_EQ(reasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reasonPhrase(299), "Unknown");
}

TEST(Serialize, HopByHop) {
  for (std::string_view n :
       {"Connection", "keep-alive", "Proxy-Connection", "TE", "Trailer", "transfer-encoding", "UPGRADE"}) {
    EXPECT_TRUE(isHopByHop(n)) << n;
  }
  EXPECT_FALSE(isHopByHop("Trailers"));
  EXPECT_FALSE(isHopByHop("Content-Length"));
  const std::vector<Header> headers = {
      {"Host", "a"},    {"Connection", "close, X-Secret"}, {"X-Secret", "1"}, {"Connection", "x-other"},
      {"X-Other", "2"}, {"Keep-Alive", "timeout=5"},       {"Accept", "*/*"}};
  EXPECT_TRUE(isHopByHop("x-secret", headers));
  EXPECT_TRUE(connectionHas(headers, "X-OTHER"));
  EXPECT_FALSE(isHopByHop("Accept", headers));
  std::string out;
  appendEndToEndHeaders(out, headers);
  EXPECT_EQ(out, "Host: a\r\nAccept: */*\r\n");
  out.clear();
  appendHeaders(out, {{"A", "1"}, {"B", ""}});
  EXPECT_EQ(out, "A: 1\r\nB: \r\n");
}

// HopByHop answers as isHopByHop(name, headers) does, with the Connection
// options collected once: within its inline room and past it.
TEST(Serialize, HopByHopFilterAgreesWithTheScan) {
  const std::vector<Header> few = {{"Host", "a"},
                                   {"Connection", "close, X-Secret"},
                                   {"X-Secret", "1"},
                                   {"Connection", "x-other"},
                                   {"X-Other", "2"}};
  const std::vector<Header> many = {
      {"Connection", "a, b, c"}, {"Connection", "d,e , f"}, {"F", "1"}, {"G", "1"}};
  const std::vector<Header> none = {{"Host", "a"}, {"Accept", "*/*"}};
  for (const auto* headers : {&few, &many, &none}) {
    const HopByHop hop(*headers);
    for (std::string_view n : {"host", "X-SECRET", "x-other", "accept", "close", "A", "c", "D", "f", "g",
                               "Transfer-Encoding", "te", "Keep-Alive", ""}) {
      EXPECT_EQ(hop(n), isHopByHop(n, *headers)) << n;
    }
  }
  EXPECT_TRUE(HopByHop(many)("f"));
  EXPECT_FALSE(HopByHop(many)("g"));
  EXPECT_TRUE(HopByHop(few)("x-secret"));
  EXPECT_FALSE(HopByHop(none)("host"));
}

}  // namespace
}  // namespace portico::http1
