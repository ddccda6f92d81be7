#include "source/decode/node.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

#include "source/yaml/resolve.h"

namespace portico::source::decode {

ValueType valueType(const Node& n) {
  switch (n.type()) {
    case yaml::NodeType::Map:
      return ValueType::Object;
    case yaml::NodeType::List:
      return ValueType::List;
    case yaml::NodeType::Scalar: {
      switch (yaml::scalarType(n)) {
        case yaml::PlainType::Null: return ValueType::Null;
        case yaml::PlainType::String: return ValueType::String;
        case yaml::PlainType::Integer: return ValueType::Integer;
        case yaml::PlainType::Number: return ValueType::Number;
        case yaml::PlainType::Boolean: return ValueType::Boolean;
      }
      return ValueType::String;
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

bool Ctx::expect(const Node& n, const FieldPath& p, ValueType want) {
  ValueType got = valueType(n);
  if (got == want) return true;
  if (got == ValueType::Null) return false;  // null == absent
  error(p, fmt::format("expected {}, got {}", typeName(want), typeName(got)));
  return false;
}

bool Ctx::str(const Node& n, const FieldPath& p, std::string& out) {
  if (!expect(n, p, ValueType::String)) return false;
  out = n.scalar();
  return true;
}

bool Ctx::str(const Node& n, const FieldPath& p, std::optional<std::string>& out) {
  if (!expect(n, p, ValueType::String)) return false;
  out = n.scalar();
  return true;
}

bool Ctx::i64(const Node& n, const FieldPath& p, int64_t& out) {
  if (!expect(n, p, ValueType::Integer)) return false;
  std::string_view s = n.scalar();
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
    error(p, fmt::format("invalid integer \"{}\"", n.scalar()));
    return false;
  }
  out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

bool Ctx::i32(const Node& n, const FieldPath& p, int32_t& out) {
  int64_t v = 0;
  if (!i64(n, p, v)) return false;
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    error(p, fmt::format("{} does not fit a 32-bit integer", v));
    return false;
  }
  out = static_cast<int32_t>(v);
  return true;
}

bool Ctx::i32(const Node& n, const FieldPath& p, std::optional<int32_t>& out) {
  int32_t v = 0;
  if (!i32(n, p, v)) return false;
  out = v;
  return true;
}

bool Ctx::boolean(const Node& n, const FieldPath& p, std::optional<bool>& out) {
  if (!expect(n, p, ValueType::Boolean)) return false;
  const std::string_view s = n.scalar();
  out = s == "true" || s == "True" || s == "TRUE";
  return true;
}

bool Ctx::strList(const Node& n, const FieldPath& p, std::vector<std::string>& out) {
  return list(*this, n, p, out, [&](const Node& item, const FieldPath& ip, std::string& s) { str(item, ip, s); });
}

bool Ctx::strMap(const Node& n, const FieldPath& p, std::map<std::string, std::string>& out) {
  if (!expectObject(n, p)) return false;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const yaml::Item entry = *it;
    if (!entry.first.isScalar()) {
      error(p, "object keys must be strings");
      continue;
    }
    const std::string_view key = entry.first.scalar();
    std::string v;
    // A null value in a string map is the empty string (JSON null -> "").
    if (entry.second.isNull() || str(entry.second, p.field(key), v)) out[std::string(key)] = std::move(v);
  }
  return true;
}

void Ctx::unknownField(const FieldPath& p) { error(p, "unknown field"); }

}  // namespace portico::source::decode
