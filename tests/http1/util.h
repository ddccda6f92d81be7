// Helpers for the HTTP/1 codec tests: run a whole request (head and body)
// through the parser, in one piece or one byte at a time.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "http1/codec.h"

namespace portico::http1::testing {

// What parsing a request produced, comparable across feeding strategies.
struct Outcome {
  int status = 0;  // 200 accepted, else the error status; 0 incomplete
  std::string message;
  std::string body;  // decoded body when accepted
  std::string host;
  bool operator==(const Outcome&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << "{status " << o.status << " '" << o.message << "' host '" << o.host << "' body '" << o.body
            << "'}";
}

// Parses `raw` given all at once.
inline Outcome parseWhole(std::string_view raw, const Limits& limits = {}) {
  Outcome o;
  RequestHead head;
  size_t consumed = 0;
  Error err;
  Result r = parseRequestHead(raw, limits, head, consumed, err);
  if (r == Result::NeedMore) return o;
  if (r == Result::Error) return {err.status, std::string(err.message)};
  o.host = std::string(head.host);
  std::string_view rest = raw.substr(consumed);
  if (head.framing == BodyFraming::ContentLength) {
    if (rest.size() < head.contentLength) return {};
    o.body = std::string(rest.substr(0, head.contentLength));
  } else if (head.framing == BodyFraming::Chunked) {
    ChunkedDecoder dec;
    std::vector<std::string_view> data;
    r = dec.decode(rest, consumed, data, err);
    if (r == Result::NeedMore) return {};
    if (r == Result::Error) return {err.status, std::string(err.message)};
    for (auto d : data) o.body += d;
  }
  o.status = 200;
  return o;
}

// Parses `raw` arriving one byte at a time, the way a slow client sends it:
// the head is re-parsed from a growing buffer; the body decoder is fed and
// unconsumed bytes are kept for the next call.
inline Outcome parseBytewise(std::string_view raw, const Limits& limits = {}) {
  RequestHead head;
  size_t consumed = 0;
  Error err;
  size_t fed = 0;
  Result r = Result::NeedMore;
  while (r == Result::NeedMore && fed < raw.size()) {
    ++fed;
    r = parseRequestHead(raw.substr(0, fed), limits, head, consumed, err);
  }
  if (r == Result::NeedMore) return {};
  if (r == Result::Error) return {err.status, std::string(err.message)};
  Outcome o;
  o.host = std::string(head.host);
  size_t pos = consumed;
  if (head.framing == BodyFraming::ContentLength) {
    if (raw.size() - pos < head.contentLength) return {};
    o.body = std::string(raw.substr(pos, head.contentLength));
  } else if (head.framing == BodyFraming::Chunked) {
    ChunkedDecoder dec;
    std::string pending;
    r = Result::NeedMore;
    for (; r == Result::NeedMore && pos < raw.size(); ++pos) {
      pending += raw[pos];
      std::vector<std::string_view> data;
      r = dec.decode(pending, consumed, data, err);
      for (auto d : data) o.body += d;
      pending.erase(0, consumed);
    }
    if (r == Result::NeedMore) return {};
    if (r == Result::Error) return {err.status, std::string(err.message)};
  }
  o.status = 200;
  return o;
}

}  // namespace portico::http1::testing
