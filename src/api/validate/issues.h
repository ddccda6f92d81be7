// Problems found while decoding or validating one object, before the loader
// attaches file, document, kind and name to turn them into Diagnostics.
#pragma once

#include <string>
#include <vector>

#include "api/diagnostic.h"
#include "api/validate/field_path.h"

namespace portico::api::validate {

struct Issue {
  Severity severity = Severity::Error;
  std::string field;
  std::string message;
};

class Issues {
 public:
  void error(const FieldPath& at, std::string message) {
    items_.push_back({Severity::Error, at.str(), std::move(message)});
    ++errors_;
  }
  void warning(const FieldPath& at, std::string message) {
    items_.push_back({Severity::Warning, at.str(), std::move(message)});
  }
  bool hasErrors() const { return errors_ > 0; }
  const std::vector<Issue>& items() const { return items_; }

 private:
  std::vector<Issue> items_;
  size_t errors_ = 0;
};

}  // namespace portico::api::validate
