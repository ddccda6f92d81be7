// The HTTP/1.1 upstream head as HTTP/2 fields (see h2_fields.h).
#include "dataplane/h2_fields.h"

#include "dataplane/h2_impl.h"

namespace portico::dataplane {

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
    std::string name(h.substr(0, colon));
    for (char& ch : name) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
    }
    std::string_view value = h.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (name == "host") {
      f[2].second = std::string(value);
      continue;
    }
    if (isConnectionSpecific(name)) continue;
    f.emplace_back(std::move(name), std::string(value));
  }
  // gRPC servers require it (PROTOCOL-HTTP2.md); the only TE HTTP/2 allows.
  if (teTrailers) f.emplace_back("te", "trailers");
  return f;
}

}  // namespace portico::dataplane
