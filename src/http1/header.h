// A header field as seen on the wire: views into the connection's read
// buffer (h2o style: no copy, no allocation per header). Shared by the
// HTTP/1 codec, the router and the proxy.
#pragma once

#include <string_view>

namespace portico::http1 {

struct Header {
  std::string_view name;
  std::string_view value;
};

// ASCII case-insensitive comparison (field names are case-insensitive,
// RFC 9110 §5.1).
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

}  // namespace portico::http1
