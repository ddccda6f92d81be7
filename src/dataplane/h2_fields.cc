// The upstream request as HTTP/2 fields (see h2_fields.h).
#include "dataplane/h2_fields.h"

#include "dataplane/h2_impl.h"

namespace portico::dataplane {
namespace {

// One header field for HTTP/2: name lower case (RFC 9113 §8.2.1);
// connection-specific fields dropped (§8.2.2).
void addField(FieldList& f, std::string_view name, std::string_view value) {
  std::string n(name);
  for (char& ch : n) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
  }
  if (isConnectionSpecific(n)) return;
  f.emplace_back(std::move(n), std::string(value));
}

// gRPC servers require it (PROTOCOL-HTTP2.md); the only TE HTTP/2 allows.
void addTe(FieldList& f, bool teTrailers) {
  if (teTrailers) f.emplace_back("te", "trailers");
}

}  // namespace

FieldList upstreamH2Fields(const UpstreamRequest& u, bool teTrailers) {
  FieldList f;
  f.reserve(u.headers.size() + 6);
  f.emplace_back(":method", u.method);
  f.emplace_back(":scheme", "http");
  f.emplace_back(":authority", u.host);
  f.emplace_back(":path", u.target);
  for (const auto& [n, v] : u.headers) addField(f, n, v);
  if (u.framing == http1::BodyFraming::ContentLength)
    f.emplace_back("content-length", std::to_string(u.contentLength));
  addTe(f, teTrailers);
  return f;
}

FieldList h1HeadToH2Fields(std::string_view head, bool teTrailers) {
  FieldList f;
  const size_t lineEnd = head.find("\r\n");
  std::string_view line = head.substr(0, lineEnd);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = line.rfind(' ');
  f.emplace_back(":method", std::string(line.substr(0, sp1)));
  f.emplace_back(":scheme", "http");
  f.emplace_back(":authority", "");
  f.emplace_back(":path", std::string(line.substr(sp1 + 1, sp2 - sp1 - 1)));
  size_t at = lineEnd + 2;
  while (at < head.size()) {
    const size_t end = head.find("\r\n", at);
    if (end == std::string_view::npos || end == at) break;
    std::string_view h = head.substr(at, end - at);
    at = end + 2;
    const size_t colon = h.find(':');
    std::string_view name = h.substr(0, colon);
    std::string_view value = h.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (http1::iequals(name, "host")) {
      f[2].second = std::string(value);
      continue;
    }
    addField(f, name, value);
  }
  addTe(f, teTrailers);
  return f;
}

}  // namespace portico::dataplane
