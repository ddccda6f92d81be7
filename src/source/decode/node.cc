#include "source/decode/node.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

namespace portico::source::decode {
namespace {

bool isDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// YAML 1.2 core schema, as Kubernetes' YAML-to-JSON conversion applies it
// to plain scalars.
ValueType plainScalarType(std::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return ValueType::Null;
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") {
    return ValueType::Boolean;
  }
  std::string_view body = s;
  if (body[0] == '-' || body[0] == '+') body.remove_prefix(1);
  if (isDigits(body)) return ValueType::Integer;
  if (s.starts_with("0x") || s.starts_with("0o")) return ValueType::Integer;
  if (s == ".inf" || s == "-.inf" || s == "+.inf" || s == ".nan" || s == ".Inf" || s == ".NaN") return ValueType::Number;
  // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  size_t i = 0, digits = 0;
  while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return ValueType::String;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '-' || body[i] == '+')) ++i;
    size_t e = 0;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++e;
    if (e == 0) return ValueType::String;
  }
  return i == body.size() ? ValueType::Number : ValueType::String;
}

}  // namespace

ValueType valueType(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return ValueType::Object;
    case YAML::NodeType::Sequence:
      return ValueType::List;
    case YAML::NodeType::Scalar: {
      const std::string& tag = n.Tag();
      if (tag == "!" || tag == "tag:yaml.org,2002:str") return ValueType::String;
      if (tag == "tag:yaml.org,2002:int") return ValueType::Integer;
      if (tag == "tag:yaml.org,2002:bool") return ValueType::Boolean;
      if (tag == "tag:yaml.org,2002:float") return ValueType::Number;
      return plainScalarType(n.Scalar());
    }
    default:
      return ValueType::Null;
  }
}

const char* typeName(ValueType t) {
  switch (t) {
    case ValueType::Null: return "null";
    case ValueType::String: return "string";
    case ValueType::Integer: return "integer";
    case ValueType::Number: return "number";
    case ValueType::Boolean: return "boolean";
    case ValueType::Object: return "object";
    case ValueType::List: return "list";
  }
  return "?";
}

bool Ctx::expect(const YAML::Node& n, const FieldPath& p, ValueType want) {
  ValueType got = valueType(n);
  if (got == want) return true;
  if (got == ValueType::Null) return false;  // null == absent
  error(p, fmt::format("expected {}, got {}", typeName(want), typeName(got)));
  return false;
}

bool Ctx::str(const YAML::Node& n, const FieldPath& p, std::string& out) {
  if (!expect(n, p, ValueType::String)) return false;
  out = n.Scalar();
  return true;
}

bool Ctx::str(const YAML::Node& n, const FieldPath& p, std::optional<std::string>& out) {
  if (!expect(n, p, ValueType::String)) return false;
  out = n.Scalar();
  return true;
}

bool Ctx::i64(const YAML::Node& n, const FieldPath& p, int64_t& out) {
  if (!expect(n, p, ValueType::Integer)) return false;
  std::string_view s = n.Scalar();
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  int base = 10;
  bool neg = false;
  if (s.starts_with("0x") || s.starts_with("0o")) {
    base = s[1] == 'x' ? 16 : 8;
    s.remove_prefix(2);
  } else if (s.starts_with('-')) {
    neg = true;
    s.remove_prefix(1);
  }
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || ptr != s.data() + s.size() ||
      v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    error(p, fmt::format("invalid integer \"{}\"", n.Scalar()));
    return false;
  }
  out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

bool Ctx::i32(const YAML::Node& n, const FieldPath& p, int32_t& out) {
  int64_t v = 0;
  if (!i64(n, p, v)) return false;
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    error(p, fmt::format("{} does not fit a 32-bit integer", v));
    return false;
  }
  out = static_cast<int32_t>(v);
  return true;
}

bool Ctx::i32(const YAML::Node& n, const FieldPath& p, std::optional<int32_t>& out) {
  int32_t v = 0;
  if (!i32(n, p, v)) return false;
  out = v;
  return true;
}

bool Ctx::boolean(const YAML::Node& n, const FieldPath& p, std::optional<bool>& out) {
  if (!expect(n, p, ValueType::Boolean)) return false;
  const std::string& s = n.Scalar();
  out = s == "true" || s == "True" || s == "TRUE";
  return true;
}

bool Ctx::strList(const YAML::Node& n, const FieldPath& p, std::vector<std::string>& out) {
  return list(*this, n, p, out, [&](const YAML::Node& item, const FieldPath& ip, std::string& s) { str(item, ip, s); });
}

bool Ctx::strMap(const YAML::Node& n, const FieldPath& p, std::map<std::string, std::string>& out) {
  if (!expectObject(n, p)) return false;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const auto entry = *it;
    if (!entry.first.IsScalar()) {
      error(p, "object keys must be strings");
      continue;
    }
    const std::string& key = entry.first.Scalar();
    std::string v;
    // A null value in a string map is the empty string (JSON null -> "").
    if (entry.second.IsNull() || str(entry.second, p.field(key), v)) out[key] = std::move(v);
  }
  return true;
}

void Ctx::unknownField(const FieldPath& p) { error(p, "unknown field"); }

}  // namespace portico::source::decode
