// Typed reading of a parsed YAML/JSON tree with Kubernetes strictness:
// wrong YAML types and unknown fields are errors at their field path, an
// explicit null is the same as an absent field.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/validate/field_path.h"
#include "api/validate/issues.h"
#include "source/yaml/tree.h"

namespace portico::source::decode {

using api::validate::FieldPath;
using api::validate::Issues;
using yaml::Node;

// What a node holds, after YAML 1.2 core-schema resolution of plain scalars
// (quoted scalars are always strings).
enum class ValueType { Null, String, Integer, Number, Boolean, Object, List };
ValueType valueType(const Node& n);
const char* typeName(ValueType t);

class Ctx {
 public:
  explicit Ctx(Issues& out) : out_(out) {}

  Issues& issues() { return out_; }
  void error(const FieldPath& p, std::string msg) { out_.error(p, std::move(msg)); }
  void warning(const FieldPath& p, std::string msg) { out_.warning(p, std::move(msg)); }

  // Each reader returns true when it assigned a value; on a type mismatch it
  // reports "expected X, got Y" and leaves `out` alone.
  bool str(const Node& n, const FieldPath& p, std::string& out);
  bool str(const Node& n, const FieldPath& p, std::optional<std::string>& out);
  bool i64(const Node& n, const FieldPath& p, int64_t& out);
  bool i32(const Node& n, const FieldPath& p, int32_t& out);
  bool i32(const Node& n, const FieldPath& p, std::optional<int32_t>& out);
  bool boolean(const Node& n, const FieldPath& p, std::optional<bool>& out);
  bool strList(const Node& n, const FieldPath& p, std::vector<std::string>& out);
  bool strMap(const Node& n, const FieldPath& p, std::map<std::string, std::string>& out);

  bool expectObject(const Node& n, const FieldPath& p) { return expect(n, p, ValueType::Object); }
  bool expectList(const Node& n, const FieldPath& p) { return expect(n, p, ValueType::List); }

  void unknownField(const FieldPath& p);

 private:
  bool expect(const Node& n, const FieldPath& p, ValueType want);
  Issues& out_;
};

// Walks the fields of an object. `f(key, value, path)` decodes one field and
// returns false when the key is not part of the schema (-> "unknown field").
// Null values are skipped; `required` keys that are absent or null are
// reported as missing.
template <class F>
void fields(Ctx& c, const Node& n, const FieldPath& p, std::initializer_list<std::string_view> required, F&& f) {
  if (!c.expectObject(n, p)) return;
  uint32_t seen = 0;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const yaml::Item entry = *it;
    const Node& k = entry.first;
    const Node& v = entry.second;
    if (!k.isScalar()) {
      c.error(p, "object keys must be strings");
      continue;
    }
    const std::string_view key = k.scalar();
    if (v.isNull()) continue;
    uint32_t bit = 1;
    for (auto r : required) {
      if (r == key) seen |= bit;
      bit <<= 1;
    }
    const FieldPath fp = p.field(key);
    if (!f(key, v, fp)) c.unknownField(fp);
  }
  uint32_t bit = 1;
  for (auto r : required) {
    if ((seen & bit) == 0) c.error(p.field(r), "required field is missing");
    bit <<= 1;
  }
}

// Decodes a list; `f(item, path, out)` fills one element.
template <class T, class F>
bool list(Ctx& c, const Node& n, const FieldPath& p, std::vector<T>& out, F&& f) {
  if (!c.expectList(n, p)) return false;
  out.clear();
  out.reserve(n.size());
  size_t i = 0;
  for (auto it = n.begin(); it != n.end(); ++it, ++i) {
    const FieldPath ip = p.at(i);
    out.emplace_back();
    const Node item = *it;
    if (!item.isNull()) f(item, ip, out.back());
  }
  return true;
}

}  // namespace portico::source::decode
