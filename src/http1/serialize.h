// Serialisation helpers for the proxy: start lines, field lines and chunk
// framing appended to an output buffer, plus hop-by-hop field handling.
//
// Nothing here validates its input: names and values are expected to come
// from the parser (already validated) or from validated configuration.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http1/header.h"

namespace portico::http1 {

// "<size in lower-case hex>\r\n" (RFC 9112 §7.1). Callers must not emit a
// zero-size chunk for data: that is the last-chunk.
void appendChunkHeader(std::string& out, uint64_t size);

// The CRLF ending a chunk's data.
inline void appendChunkEnd(std::string& out) { out += "\r\n"; }

// last-chunk, trailer fields, final CRLF: "0\r\n[name: value\r\n]*\r\n".
void appendLastChunk(std::string& out, const std::vector<std::pair<std::string, std::string>>& trailers = {});

// "HTTP/1.<minor> <status> <reason>\r\n"; an empty reason uses reasonPhrase().
void appendStatusLine(std::string& out, int status, std::string_view reason = {}, int versionMinor = 1);

// "<method> <target> HTTP/1.<minor>\r\n".
void appendRequestLine(std::string& out, std::string_view method, std::string_view target,
                       int versionMinor = 1);

// "<name>: <value>\r\n".
void appendHeader(std::string& out, std::string_view name, std::string_view value);

// Every field line of `headers`, in order.
void appendHeaders(std::string& out, const std::vector<Header>& headers);

// The field lines of `headers` that are end-to-end, i.e. all but the
// hop-by-hop ones (isHopByHop(name, headers)), which a proxy must not
// forward (RFC 9110 §7.6.1).
void appendEndToEndHeaders(std::string& out, const std::vector<Header>& headers);

// The standard reason phrase of `status`, or "Unknown".
std::string_view reasonPhrase(int status);

// Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding
// and Upgrade (RFC 9110 §7.6.1; Keep-Alive and Proxy-Connection are the
// common non-standard ones), case-insensitive.
bool isHopByHop(std::string_view name);

// isHopByHop(name), or `name` is listed in a Connection field of `headers`
// (connection options name per-hop fields, RFC 9110 §7.6.1).
bool isHopByHop(std::string_view name, const std::vector<Header>& headers);

// Whether a Connection field of `headers` lists `option`.
bool connectionHas(const std::vector<Header>& headers, std::string_view option);

// isHopByHop(name, headers) for every field of one message: the Connection
// options are collected once, not looked for again per field (which made
// forwarding a head quadratic in its field count). Refers to `headers`,
// which must outlive it.
class HopByHop {
 public:
  explicit HopByHop(const std::vector<Header>& headers);
  bool operator()(std::string_view name) const;

 private:
  static constexpr size_t kInline = 4;
  std::string_view options_[kInline];  // the Connection options, when they fit
  size_t count_ = 0;
  const std::vector<Header>* overflow_ = nullptr;  // more options than fit: scan as isHopByHop does
};

}  // namespace portico::http1
