// Character classes and small lexical helpers of RFC 9110 §5.6 / RFC 9112,
// shared by the request, response and chunked parsers. Internal to http1/.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace portico::http1::detail {

enum CharClass : uint8_t {
  kTchar = 1,       // token characters (RFC 9110 §5.6.2)
  kFieldValue = 2,  // field-vchar / SP / HTAB: VCHAR and obs-text (RFC 9110 §5.5)
  kTarget = 4,      // what a request-target may contain: visible ASCII, no SP
  kHost = 8,        // uri-host [":" port] (RFC 3986 §3.2.2): reg-name, IP-literal, port
  kHex = 16,        // HEXDIG
};

// Built once at compile time so every check is a single table load.
constexpr std::array<uint8_t, 256> makeCharTable() {
  std::array<uint8_t, 256> t{};
  constexpr std::string_view tcharPunct = "!#$%&'*+-.^_`|~";
  constexpr std::string_view hostPunct = "-._~!$&'()*+,;=%:[]";
  for (int c = 0; c < 256; ++c) {
    uint8_t v = 0;
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    const bool punct = tcharPunct.find(static_cast<char>(c)) != std::string_view::npos;
    if (alpha || digit || punct) v |= kTchar;
    if (c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7E) || c >= 0x80) v |= kFieldValue;
    if (c >= 0x21 && c <= 0x7E) v |= kTarget;
    if (alpha || digit || hostPunct.find(static_cast<char>(c)) != std::string_view::npos) v |= kHost;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= kHex;
    t[static_cast<size_t>(c)] = v;
  }
  return t;
}

inline constexpr std::array<uint8_t, 256> kCharTable = makeCharTable();

inline bool is(char c, CharClass cls) { return (kCharTable[static_cast<unsigned char>(c)] & cls) != 0; }

// Length of the longest prefix of `s` whose characters are all in `cls`.
inline size_t spanOf(std::string_view s, CharClass cls) {
  size_t i = 0;
  while (i < s.size() && is(s[i], cls)) ++i;
  return i;
}

inline bool allOf(std::string_view s, CharClass cls) { return spanOf(s, cls) == s.size(); }

inline bool isToken(std::string_view s) { return !s.empty() && allOf(s, kTchar); }

inline bool isOws(char c) { return c == ' ' || c == '\t'; }

// OWS = *( SP / HTAB ) around field values and list elements (RFC 9110 §5.6.3).
inline std::string_view trimOws(std::string_view s) {
  while (!s.empty() && isOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && isOws(s.back())) s.remove_suffix(1);
  return s;
}

inline int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Calls fn(element) for each non-empty element of a comma-separated list
// (#rule, RFC 9110 §5.6.1: recipients ignore empty elements), OWS trimmed.
template <typename Fn>
void forEachListElement(std::string_view value, Fn&& fn) {
  while (true) {
    const size_t comma = value.find(',');
    const std::string_view element = trimOws(value.substr(0, comma));
    if (!element.empty()) fn(element);
    if (comma == std::string_view::npos) return;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace portico::http1::detail
