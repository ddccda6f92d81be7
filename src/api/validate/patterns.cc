#include "api/validate/patterns.h"

#include <arpa/inet.h>
#include <re2/re2.h>

#include <string>

namespace portico::api::validate {
namespace {

bool lowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool alnum(char c) { return lowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool visible(char c) { return c >= '!' && c <= '~'; }

// OpenAPI `pattern` is an unanchored search (the CRD patterns carry their
// own anchors), hence PartialMatch.
bool search(const RE2& re, std::string_view s) { return RE2::PartialMatch(s, re); }

}  // namespace

bool isDnsLabel(std::string_view s) {
  if (s.empty() || !lowerAlnum(s.front()) || !lowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!lowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool isDnsSubdomain(std::string_view s) {
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    if (!isDnsLabel(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool isWildcardHostname(std::string_view s) {
  if (s.starts_with("*.")) s.remove_prefix(2);
  return isDnsSubdomain(s);
}

bool isKindName(std::string_view s) {
  if (s.empty()) return false;
  const char f = s.front();
  if (!((f >= 'a' && f <= 'z') || (f >= 'A' && f <= 'Z'))) return false;
  if (!alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

bool isHeaderName(std::string_view s) {
  if (s.empty()) return false;
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  for (char c : s) {
    if (!alnum(c) && kExtra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool isHeaderValue(std::string_view s) {
  // Visible characters separated by single spaces or tabs.
  if (s.empty() || !visible(s.front()) || !visible(s.back())) return false;
  bool prevSpace = false;
  for (char c : s) {
    if (c == ' ' || c == '\t') {
      if (prevSpace) return false;
      prevSpace = true;
    } else if (visible(c)) {
      prevSpace = false;
    } else {
      return false;
    }
  }
  return true;
}

bool isHttpPathChars(std::string_view s) {
  if (s.empty()) return false;
  static constexpr std::string_view kExtra = "-/._~!$&'()*+,;=:@";
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (alnum(c) || kExtra.find(c) != std::string_view::npos) continue;
    if (c == '%' && i + 2 < s.size() && hex(s[i + 1]) && hex(s[i + 2])) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

std::optional<int64_t> parseDuration(std::string_view s) {
  int64_t total = 0;
  int parts = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t digits = 0;
    int64_t n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + (s[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0 || digits > 5 || i >= s.size()) return std::nullopt;
    int64_t unit = 0;
    if (s[i] == 'h') {
      unit = 3600000;
      ++i;
    } else if (s[i] == 'm' && i + 1 < s.size() && s[i + 1] == 's') {
      unit = 1;
      i += 2;
    } else if (s[i] == 'm') {
      unit = 60000;
      ++i;
    } else if (s[i] == 's') {
      unit = 1000;
      ++i;
    } else {
      return std::nullopt;
    }
    total += n * unit;
    if (++parts > 4) return std::nullopt;
  }
  if (parts == 0) return std::nullopt;
  return total;
}

bool isLabelKey(std::string_view s) {
  std::string_view name = s;
  if (auto slash = s.find('/'); slash != std::string_view::npos) {
    std::string_view prefix = s.substr(0, slash);
    // CEL: key.split("/")[0].size() < 253, and the prefix is a DNS subdomain.
    if (prefix.size() >= 253 || !isDnsSubdomain(prefix)) return false;
    name = s.substr(slash + 1);
  }
  if (name.empty() || name.size() > 63 || !alnum(name.front()) || !alnum(name.back())) return false;
  for (char c : name) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool isLabelValue(std::string_view s) {
  if (s.empty()) return true;
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool isControllerName(std::string_view s) {
  static const RE2 re(
      R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$)");
  return search(re, s);
}

bool isProtocolType(std::string_view s) {
  static const RE2 re(
      R"(^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$)");
  return search(re, s);
}

bool isAddressType(std::string_view s) {
  static const RE2 re(
      R"(^Hostname|IPAddress|NamedAddress|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$)");
  return search(re, s);
}

bool isCorsOrigin(std::string_view s) {
  static const RE2 re(
      R"((^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9\-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$))");
  return search(re, s);
}

bool isGrpcService(std::string_view s) {
  static const RE2 re(R"(^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$)");
  return search(re, s);
}

bool isGrpcMethod(std::string_view s) {
  static const RE2 re(R"(^[A-Za-z_][A-Za-z_0-9]*$)");
  return search(re, s);
}

bool isWellKnownCA(std::string_view s) {
  static const RE2 re(
      R"(^(System|([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]))$)");
  return search(re, s);
}

bool isAbsoluteUri(std::string_view s) {
  static const RE2 re(R"(^(([^:/?#]+):)(//([^/?#]*))([^?#]*)(\?([^#]*))?(#(.*))?)");
  return search(re, s);
}

bool isIPAddress(std::string_view s) {
  std::string tmp(s);
  unsigned char buf[16];
  return inet_pton(AF_INET, tmp.c_str(), buf) == 1 || inet_pton(AF_INET6, tmp.c_str(), buf) == 1;
}

}  // namespace portico::api::validate
