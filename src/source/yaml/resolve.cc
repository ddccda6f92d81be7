#include "source/yaml/resolve.h"

namespace portico::source::yaml {
namespace {

bool isDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

PlainType resolvePlain(std::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return PlainType::Null;
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") {
    return PlainType::Boolean;
  }
  std::string_view body = s;
  if (body[0] == '-' || body[0] == '+') body.remove_prefix(1);
  if (isDigits(body)) return PlainType::Integer;
  if (s.starts_with("0x") || s.starts_with("0o")) return PlainType::Integer;
  if (s == ".inf" || s == "-.inf" || s == "+.inf" || s == ".nan" || s == ".Inf" || s == ".NaN")
    return PlainType::Number;
  // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  size_t i = 0, digits = 0;
  while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return PlainType::String;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '-' || body[i] == '+')) ++i;
    size_t e = 0;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++e;
    if (e == 0) return PlainType::String;
  }
  return i == body.size() ? PlainType::Number : PlainType::String;
}

PlainType scalarType(const Node& n) {
  const std::string_view tag = n.tag();
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return PlainType::String;
  if (tag == "tag:yaml.org,2002:int") return PlainType::Integer;
  if (tag == "tag:yaml.org,2002:bool") return PlainType::Boolean;
  if (tag == "tag:yaml.org,2002:float") return PlainType::Number;
  if (tag == "tag:yaml.org,2002:null") return PlainType::Null;
  return resolvePlain(n.scalar());
}

}  // namespace portico::source::yaml
