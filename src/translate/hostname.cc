#include "translate/hostname.h"

#include <algorithm>

namespace portico::translate {
namespace {

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

size_t labelCount(std::string_view h) { return static_cast<size_t>(std::count(h.begin(), h.end(), '.')) + 1; }

bool isAny(std::string_view h) { return h.empty() || h == "*"; }

}  // namespace

bool hostnameCovers(std::string_view pattern, std::string_view name) {
  if (isAny(pattern)) return true;
  if (!isWildcard(pattern)) return pattern == name;
  // pattern "*.example.com": suffix ".example.com" with at least one label
  // before it. A wildcard name is covered when its own suffix is at least
  // as long: "*.a.example.com" is inside "*.example.com".
  std::string_view suffix = pattern.substr(1);
  if (isAny(name)) return false;
  if (isWildcard(name)) return endsWith(name.substr(1), suffix);
  return name.size() > suffix.size() && endsWith(name, suffix);
}

std::optional<std::string> intersectHostnames(std::string_view listener, std::string_view route) {
  if (isAny(listener)) return std::string(isAny(route) ? std::string_view() : route);
  if (isAny(route)) return std::string(listener);
  if (hostnameCovers(listener, route)) return std::string(route);
  if (hostnameCovers(route, listener)) return std::string(listener);
  return std::nullopt;
}

bool hostnamesOverlap(std::string_view a, std::string_view b) {
  return hostnameCovers(a, b) || hostnameCovers(b, a);
}

bool moreSpecificHostname(std::string_view a, std::string_view b) {
  bool anyA = isAny(a), anyB = isAny(b);
  if (anyA != anyB) return anyB;
  if (anyA) return false;
  bool wa = isWildcard(a), wb = isWildcard(b);
  if (wa != wb) return wb;  // exact before wildcard
  if (wa) {
    size_t la = labelCount(a), lb = labelCount(b);
    if (la != lb) return la > lb;
    if (a.size() != b.size()) return a.size() > b.size();
  }
  return a < b;
}

bool certificateNameCovers(std::string_view san, std::string_view host) {
  if (host.empty()) return true;
  if (san == host) return true;
  if (!isWildcard(san)) return false;
  // RFC 6125 §6.4.3: the wildcard covers exactly one left-most label.
  std::string_view suffix = san.substr(1);
  if (isWildcard(host)) return host.substr(1) == suffix;
  if (!endsWith(host, suffix)) return false;
  std::string_view label = host.substr(0, host.size() - suffix.size());
  return !label.empty() && label.find('.') == std::string_view::npos;
}

}  // namespace portico::translate
