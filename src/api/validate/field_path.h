// A field path such as `spec.rules[2].matches[0].path.value`, built as a
// chain of stack frames so that walking an object costs no allocation; the
// string is only rendered when a problem is reported.
#pragma once

#include <string>
#include <string_view>

namespace portico::api::validate {

class FieldPath {
 public:
  FieldPath() = default;
  // A top-level field (the root path itself renders as "").
  static FieldPath root(std::string_view name) { return FieldPath(nullptr, name, -1); }

  // `name` must outlive the returned path (string literals or strings held
  // by the object being walked).
  FieldPath field(std::string_view name) const { return FieldPath(this, name, -1); }
  FieldPath at(size_t index) const { return FieldPath(this, {}, static_cast<long>(index)); }

  std::string str() const;

 private:
  FieldPath(const FieldPath* parent, std::string_view name, long index)
      : parent_(parent), name_(name), index_(index) {}
  void render(std::string& out) const;

  const FieldPath* parent_ = nullptr;
  std::string_view name_;
  long index_ = -1;  // >= 0 for a list element
};

}  // namespace portico::api::validate
