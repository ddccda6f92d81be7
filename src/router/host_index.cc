#include "router/host_index.h"

#include <algorithm>
#include <cctype>

namespace portico::router {
namespace {

bool hasUpper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

NormalHost normalizeHost(std::string_view host, char (&buf)[256]) {
  // "example.com." is the same DNS name as "example.com".
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.size() > sizeof(buf)) return {host, false};
  if (!hasUpper(host)) return {host, true};
  for (size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  return {std::string_view(buf, host.size()), true};
}

void HostIndex::add(std::string_view hostname, uint32_t item) {
  // Hostnames are lower case by API validation; lower them anyway so the
  // lookup side only has to normalise the request.
  std::string h = lower(hostname);
  if (!h.empty() && h.back() == '.') h.pop_back();
  if (h.empty() || h == "*") {
    any_.push_back(item);
  } else if (h.size() >= 2 && h[0] == '*' && h[1] == '.') {
    wildcard_[h.substr(1)].push_back(item);
  } else {
    exact_[h].push_back(item);
  }
}

}  // namespace portico::router
