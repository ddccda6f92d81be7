// libFuzzer target for the HTTP/1 codec (`make fuzz`).
//
// Besides "no crash, no sanitizer report", it checks properties that a
// smuggling bug would break:
//  - a parsed head only refers to bytes of the input, and consumed <= size;
//  - every prefix shorter than `consumed` is NeedMore (framing never depends
//    on how the bytes were split into reads), and longer inputs give the
//    same head;
//  - re-serialising a parsed request and parsing it again gives the same
//    head (what the proxy forwards means what it understood);
//  - the chunked decoder gives the same result, data and trailers whether
//    fed whole, in three pieces, or byte by byte;
//  - response heads obey RFC 9112 §6.3 (no body after HEAD/1xx/204/304).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http1/codec.h"

namespace {

using namespace portico::http1;

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      __builtin_printf("check failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                      \
    }                                                                    \
  } while (0)

const Limits kLimits{1024, 4096, 32};

bool within(std::string_view part, std::string_view whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

std::string summary(const RequestHead& h) {
  std::string s;
  for (std::string_view v : {h.method, h.target, h.path, h.query, h.host}) {
    s += v;
    s += '\n';
  }
  s += std::to_string(h.versionMinor) + std::to_string(static_cast<int>(h.framing)) +
       std::to_string(h.contentLength) + std::to_string(h.keepAlive) + std::to_string(h.expectContinue) +
       std::to_string(h.upgrade) + '\n';
  appendHeaders(s, h.headers);
  return s;
}

struct Decoded {
  Result result = Result::NeedMore;
  std::string data;
  std::vector<std::pair<std::string, std::string>> trailers;
  bool operator==(const Decoded&) const = default;
};

// Decodes `in` split at the given offsets, keeping unconsumed bytes the
// way a proxy's read buffer does.
Decoded decodeChunked(std::string_view in, const std::vector<size_t>& cuts) {
  ChunkedDecoder dec;
  dec.maxChunkLine = 64;
  dec.trailerLimits = kLimits;
  Decoded d;
  std::string pending;
  size_t fed = 0;
  std::vector<std::string_view> parts;
  for (size_t i = 0; i <= cuts.size() && d.result == Result::NeedMore; ++i) {
    const size_t end = i < cuts.size() ? cuts[i] : in.size();
    pending.append(in.substr(fed, end - fed));
    fed = end;
    size_t consumed = 0;
    Error err;
    parts.clear();
    d.result = dec.decode(pending, consumed, parts, err);
    CHECK(consumed <= pending.size());
    for (std::string_view p : parts) {
      CHECK(within(p, pending));
      d.data += p;
    }
    if (d.result == Result::Error) CHECK(!err.message.empty() && (err.status == 400 || err.status == 431));
    pending.erase(0, consumed);
  }
  d.trailers = dec.trailers();
  return d;
}

void checkChunked(std::string_view in) {
  const Decoded whole = decodeChunked(in, {});
  CHECK(decodeChunked(in, {in.size() / 3, 2 * in.size() / 3}) == whole);
  if (in.size() <= 256) {
    std::vector<size_t> each;
    for (size_t i = 1; i < in.size(); ++i) each.push_back(i);
    CHECK(decodeChunked(in, each) == whole);
  }
}

void checkRequest(std::string_view in) {
  static RequestHead head, again;  // reused, as the proxy does
  size_t consumed = 0;
  Error err;
  const Result r = parseRequestHead(in, kLimits, head, consumed, err);
  if (r == Result::Error) {
    CHECK(!err.message.empty());
    CHECK(err.status == 400 || err.status == 414 || err.status == 431 || err.status == 501 ||
          err.status == 505);
    return;
  }
  if (r == Result::NeedMore) return;
  CHECK(consumed >= 16 && consumed <= in.size());  // "G / HTTP/1.0\r\n\r\n" is the shortest
  for (std::string_view v : {head.method, head.target, head.query}) CHECK(within(v, in));
  // An absolute-form target with an empty path gets a static "/".
  CHECK(within(head.path, in) || head.path == "/");
  for (const Header& h : head.headers) CHECK(within(h.name, in) && within(h.value, in));
  CHECK(!head.method.empty() && !head.target.empty());
  CHECK(head.versionMinor == 0 || head.versionMinor == 1);
  if (head.method != "CONNECT") CHECK(!head.path.empty());
  if (head.framing == BodyFraming::Chunked) CHECK(head.versionMinor == 1);
  CHECK(head.framing != BodyFraming::UntilClose);
  const std::string first = summary(head);

  // Shorter prefixes wait for more; longer inputs parse the same.
  size_t c2 = 0;
  CHECK(parseRequestHead(in.substr(0, consumed - 1), kLimits, again, c2, err) == Result::NeedMore);
  CHECK(parseRequestHead(in.substr(0, consumed / 2), kLimits, again, c2, err) == Result::NeedMore);

  // Round trip through the serialisers.
  std::string rebuilt;
  appendRequestLine(rebuilt, head.method, head.target, head.versionMinor);
  appendHeaders(rebuilt, head.headers);
  rebuilt += "\r\n";
  Limits roomy = kLimits;
  roomy.maxHeaderBytes *= 2;  // "name:value" becomes "name: value"
  CHECK(parseRequestHead(rebuilt, roomy, again, c2, err) == Result::Done);
  CHECK(c2 == rebuilt.size());
  CHECK(summary(again) == first);

  // Re-parse last: `head` must still describe `in` for the body below.
  CHECK(parseRequestHead(in, kLimits, head, c2, err) == Result::Done && summary(head) == first);
  if (head.framing == BodyFraming::Chunked) checkChunked(in.substr(consumed));
}

void checkResponse(std::string_view in, std::string_view method) {
  static ResponseHead head;
  size_t consumed = 0;
  Error err;
  const Result r = parseResponseHead(in, method, kLimits, head, consumed, err);
  if (r == Result::Error) CHECK(err.status == 502 && !err.message.empty());
  if (r != Result::Done) return;
  CHECK(consumed <= in.size());
  CHECK(head.status >= 100 && head.status <= 599);
  CHECK(within(head.reason, in));
  const bool bodiless = method == "HEAD" || head.status < 200 || head.status == 204 || head.status == 304;
  if (bodiless) CHECK(head.framing == BodyFraming::None);
  if (head.framing == BodyFraming::UntilClose) CHECK(!head.keepAlive);
  if (head.framing == BodyFraming::Chunked) checkChunked(in.substr(consumed));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  checkRequest(in);
  // The decoder alone, so it is explored without a valid head in front.
  checkChunked(in);
  static constexpr std::string_view kMethods[] = {"GET", "HEAD", "CONNECT"};
  checkResponse(in, kMethods[size % 3]);
  return 0;
}
