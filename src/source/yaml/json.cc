#include "source/yaml/json.h"

#include <charconv>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "source/yaml/resolve.h"

namespace portico::source::yaml {
namespace {

// The same bound as YAML documents (parse.cc): whoever walks the tree
// recurses.
constexpr size_t kMaxDepth = 512;

template <class Json>
void add(Builder& b, const Json& j) {
  if (b.depth() >= kMaxDepth) throw std::invalid_argument("nested deeper than 512 levels");
  switch (j.type()) {
    case Json::value_t::object:
      b.beginMap({});
      for (const auto& [k, v] : j.items()) {
        b.scalar(k, true, {}, {});
        add(b, v);
      }
      b.end();
      return;
    case Json::value_t::array:
      b.beginList({});
      for (const auto& v : j) add(b, v);
      b.end();
      return;
    case Json::value_t::string:
      b.scalar(j.template get_ref<const std::string&>(), true, {}, {});
      return;
    case Json::value_t::null:
    case Json::value_t::discarded:
      b.null({});
      return;
    default:
      b.scalar(j.dump(), false, {}, {});  // numbers and booleans
      return;
  }
}

template <class Json>
std::shared_ptr<const Tree> build(const Json& j) {
  Builder b;
  add(b, j);
  return b.finish();
}

nlohmann::json scalarJson(const Node& n) {
  const std::string_view s = n.scalar();
  switch (scalarType(n)) {
    case PlainType::Null:
      return nullptr;
    case PlainType::Boolean:
      return s == "true" || s == "True" || s == "TRUE";
    case PlainType::Integer: {
      int64_t v = 0;
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc() && end == s.data() + s.size()) return v;
      break;
    }
    case PlainType::Number: {
      const std::string text(s);
      char* end = nullptr;
      const double v = std::strtod(text.c_str(), &end);
      if (end == text.c_str() + text.size()) return v;
      break;
    }
    case PlainType::String:
      break;
  }
  return std::string(s);
}

}  // namespace

std::shared_ptr<const Tree> fromJson(const nlohmann::json& value) { return build(value); }
std::shared_ptr<const Tree> fromJson(const nlohmann::ordered_json& value) { return build(value); }

nlohmann::json toJson(const Node& n) {
  switch (n.type()) {
    case NodeType::Map: {
      auto out = nlohmann::json::object();
      for (auto it = n.begin(), e = n.end(); it != e; ++it) {
        const Item entry = *it;
        out[std::string(entry.first.scalar())] = toJson(entry.second);
      }
      return out;
    }
    case NodeType::List: {
      auto out = nlohmann::json::array();
      for (auto it = n.begin(), e = n.end(); it != e; ++it) out.push_back(toJson(*it));
      return out;
    }
    case NodeType::Scalar:
      return scalarJson(n);
    case NodeType::Null:
    case NodeType::Undefined:
      break;
  }
  return nullptr;
}

}  // namespace portico::source::yaml
