// Pieces shared by the request, response and chunked-trailer parsers:
// line splitting, field lines, and the framing-relevant field values.
// Internal to http1/.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "http1/parser.h"

namespace portico::http1::detail {

inline Result fail(Error& err, int status, std::string_view message) {
  err.status = status;
  err.message = message;
  return Result::Error;
}

// Finds the CRLF-terminated line starting at `pos`. On Done, `line` excludes
// the CRLF and `next` is the offset after it. A LF not preceded by CR is an
// error: RFC 9112 §2.2 allows accepting bare LF, but parsers that do and
// parsers that don't disagree on message boundaries, so we refuse it.
// NeedMore when no LF is buffered yet (`line` then holds the partial line).
Result findLine(std::string_view buf, size_t pos, std::string_view& line, size_t& next, Error& err);

// Parses one field line "name: value" (RFC 9112 §5, RFC 9110 §5.5). `line`
// must be non-empty and exclude the CRLF. Rejects obs-fold (§5.2), a
// missing/empty/invalid field name, whitespace before the colon (§5.1) and
// CTLs other than HTAB in the value; trims OWS around the value.
bool parseFieldLine(std::string_view line, Header& out, Error& err);

// Parses field lines from `pos` through the empty line ending the section.
// On Done `pos` is past that empty line. Enforces limits with status 431.
Result parseFieldSection(std::string_view buf, size_t& pos, const Limits& limits, std::vector<Header>& out,
                         Error& err);

// "HTTP/1.0" or "HTTP/1.1". Returns the minor version, -1 when the text is
// not an HTTP-version at all (RFC 9112 §2.3: the name is case-sensitive),
// -2 when it is well-formed but a version we do not speak.
int parseVersion(std::string_view v);

// Content-Length = 1*DIGIT (RFC 9110 §8.6). Lists ("5, 5"), signs, spaces
// and values above INT64_MAX are rejected rather than interpreted.
bool parseContentLength(std::string_view v, uint64_t& out);

// What the Transfer-Encoding field lines of a message say, accumulated
// over every line (they form one list, RFC 9110 §5.3).
struct TransferCodings {
  bool present = false;
  bool invalid = false;        // an element that is not a transfer-coding
  bool lastIsChunked = false;  // the final coding is exactly "chunked"
  int chunkedCount = 0;        // chunked may be applied only once (RFC 9112 §6.1)
  bool otherCodings = false;   // anything besides chunked
  void add(std::string_view value);
};

// The framing-relevant fields of a head, gathered in one pass.
struct FramingFields {
  int contentLengthCount = 0;
  std::string_view contentLength;
  TransferCodings te;
  bool connClose = false, connKeepAlive = false, connUpgrade = false;
  bool upgradeField = false, expectContinue = false;
  int hostCount = 0;
  std::string_view host;
  void scan(const std::vector<Header>& headers);
};

}  // namespace portico::http1::detail
