#include "status/yaml_emit.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string_view>

namespace portico::status {
namespace {

using nlohmann::json;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Words YAML 1.1 or 1.2 resolves to bool or null when plain.
bool isReservedWord(std::string_view s) {
  static constexpr std::array<std::string_view, 11> kWords{"y",    "n",     "yes",  "no", "on", "off",
                                                           "true", "false", "null", "~",  "<<"};
  return std::any_of(kWords.begin(), kWords.end(), [&](std::string_view w) { return iequals(s, w); });
}

// Conservative: a plain scalar only when no YAML reader could take it for
// a number, timestamp, bool, null, alias, tag, comment or flow collection.
bool canBePlain(std::string_view s) {
  if (s.empty() || isReservedWord(s)) return false;
  const unsigned char first = static_cast<unsigned char>(s.front());
  if (!std::isalpha(first) && first != '/' && first != '_') return false;
  if (s.back() == ' ' || s.back() == ':') return false;
  if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos) return false;
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) continue;
    if (std::string_view(" ._/-:()=+,;").find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string quoted(const std::string& s) {
  // A JSON string literal is a valid YAML double-quoted scalar.
  return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string scalar(const json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return canBePlain(s) ? s : quoted(s);
  }
  if (v.is_object()) return "{}";  // only reached for empty containers
  if (v.is_array()) return "[]";
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool isLeaf(const json& v) { return !v.is_structured() || v.empty(); }

void emitArray(const json& arr, int indent, bool firstInline, std::string& out);

// `firstInline`: the caller already wrote "- " so the first key continues
// that line.
void emitObject(const json& obj, int indent, bool firstInline, std::string& out) {
  bool first = true;
  for (const auto& [key, value] : obj.items()) {
    if (!(first && firstInline)) out.append(static_cast<size_t>(indent), ' ');
    first = false;
    out += canBePlain(key) ? key : quoted(key);
    out += ':';
    if (isLeaf(value)) {
      out += ' ';
      out += scalar(value);
      out += '\n';
    } else if (value.is_object()) {
      out += '\n';
      emitObject(value, indent + 2, false, out);
    } else {
      out += '\n';
      emitArray(value, indent, false, out);
    }
  }
}

void emitArray(const json& arr, int indent, bool firstInline, std::string& out) {
  bool first = true;
  for (const auto& item : arr) {
    if (!(first && firstInline)) out.append(static_cast<size_t>(indent), ' ');
    first = false;
    out += "- ";
    if (isLeaf(item)) {
      out += scalar(item);
      out += '\n';
    } else if (item.is_object()) {
      emitObject(item, indent + 2, true, out);
    } else {
      emitArray(item, indent + 2, true, out);
    }
  }
}

}  // namespace

std::string toYaml(const json& doc) {
  std::string out;
  if (isLeaf(doc)) {
    out = scalar(doc) + "\n";
  } else if (doc.is_object()) {
    emitObject(doc, 0, false, out);
  } else {
    emitArray(doc, 0, false, out);
  }
  return out;
}

}  // namespace portico::status
