#include "api/validate/field_path.h"

namespace portico::api::validate {

void FieldPath::render(std::string& out) const {
  if (parent_ != nullptr) parent_->render(out);
  if (index_ >= 0) {
    out.push_back('[');
    out.append(std::to_string(index_));
    out.push_back(']');
  } else if (!name_.empty()) {
    if (!out.empty()) out.push_back('.');
    out.append(name_);
  }
}

std::string FieldPath::str() const {
  std::string out;
  render(out);
  return out;
}

}  // namespace portico::api::validate
