// Errors and warnings as values: every problem found while loading or
// validating names the file, document, object and field path.
#pragma once

#include <string>
#include <vector>

namespace portico::api {

enum class Severity { Error, Warning };

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string file;
  int document = 0;
  int line = 0;
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string field;    // e.g. spec.rules[2].matches[0].path.value
  std::string message;  // what is wrong

  // "file:line (doc 3) HTTPRoute ns/name: spec.x: message"
  std::string format() const;
};

using Diagnostics = std::vector<Diagnostic>;

inline bool hasErrors(const Diagnostics& d) {
  for (const auto& x : d) {
    if (x.severity == Severity::Error) return true;
  }
  return false;
}

}  // namespace portico::api
