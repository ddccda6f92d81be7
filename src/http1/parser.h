// Strict, zero-copy HTTP/1.1 message-head parsing (RFC 9112, RFC 9110).
//
// Pure functions over byte buffers: no sockets, no allocation in steady
// state (the header vectors are reused; every string_view points into the
// caller's buffer, which must outlive the parsed head). Parsing is
// stateless: call again with the grown buffer after NeedMore.
//
// Anything ambiguous that could make two HTTP processors disagree on where
// a message ends (request smuggling, RFC 9112 §11.2) is rejected instead of
// repaired; the proxy answers err.status and closes the connection.
// Choices where the RFCs leave room:
//  - bare LF, obs-fold and whitespace before a colon are rejected (RFC 9112
//    §2.2, §5.1, §5.2 allow rejecting);
//  - Content-Length must be a single field line of digits <= INT64_MAX:
//    repeated lines and lists are rejected even when the values agree;
//  - a request's Transfer-Encoding must be exactly "chunked" (400 when
//    chunked is not last or repeated, 501 for "gzip, chunked");
//  - Host is required in every HTTP/1.1 request, also with absolute-form;
//  - Expect values other than 100-continue are ignored, not 417.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "http1/header.h"

namespace portico::http1 {

struct Limits {
  size_t maxRequestLine = 8 * 1024;   // request-line bytes without CRLF; beyond -> 414
  size_t maxHeaderBytes = 60 * 1024;  // field lines incl. CRLFs and the final CRLF; beyond -> 431
  size_t maxHeaders = 100;            // field lines; beyond -> 431
};

enum class BodyFraming { None, ContentLength, Chunked, UntilClose /* responses only */ };

struct RequestHead {
  std::string_view method, target;  // as sent
  // origin/absolute-form target split at the first '?' (query without '?').
  // An absolute-form target without a path gets path "/" (a static string,
  // RFC 9112 §3.2.1); CONNECT leaves both empty, OPTIONS * has path "*".
  std::string_view path, query;
  int versionMinor = 1;         // HTTP/1.0 or 1.1
  std::vector<Header> headers;  // views into the input buffer, wire order
  // ContentLength is reported even for "Content-Length: 0" so the proxy can
  // forward it faithfully; None means neither Content-Length nor
  // Transfer-Encoding was sent.
  BodyFraming framing = BodyFraming::None;
  uint64_t contentLength = 0;
  bool keepAlive = true;        // per version and Connection header
  bool expectContinue = false;  // Expect: 100-continue on HTTP/1.1
  bool upgrade = false;         // HTTP/1.1, Connection: upgrade + Upgrade header present
  // Host value; the absolute-form target's authority wins (RFC 9112 §3.2.2).
  std::string_view host;
  void clear();
};

struct ResponseHead {
  int status = 0;
  std::string_view reason;
  int versionMinor = 1;
  std::vector<Header> headers;
  BodyFraming framing = BodyFraming::None;
  uint64_t contentLength = 0;
  bool keepAlive = true;
  void clear();
};

enum class Result { Done, NeedMore, Error };

struct Error {
  int status = 400;
  std::string_view message;  // a static string
};

// Parses a request head if complete in `buf`. On Done, `consumed` = bytes of
// the head incl. the final CRLF CRLF (and any empty lines before the
// request-line, RFC 9112 §2.2). On NeedMore the limits are already enforced
// for the bytes seen, so the caller may keep buffering.
//
// Errors: 400 malformed/ambiguous, 414 request-line too long, 431 header
// section too large, 501 a transfer coding other than chunked (RFC 9112
// §6.1), 505 HTTP version other than 1.0/1.1.
Result parseRequestHead(std::string_view buf, const Limits& limits, RequestHead& out, size_t& consumed,
                        Error& err);

// `requestMethod` decides bodiless responses (HEAD, and 1xx/204/304
// statuses; 2xx to CONNECT). Every error has status 502: the proxy answers
// the client with it (RFC 9110 §15.6.3). Uses default Limits.
Result parseResponseHead(std::string_view buf, std::string_view requestMethod, ResponseHead& out,
                         size_t& consumed, Error& err);
Result parseResponseHead(std::string_view buf, std::string_view requestMethod, const Limits& limits,
                         ResponseHead& out, size_t& consumed, Error& err);

// First header named `name` (case-insensitive), or nullptr.
const Header* findHeader(const std::vector<Header>& headers, std::string_view name);

}  // namespace portico::http1
