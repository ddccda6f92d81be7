#include "api/diagnostic.h"

#include <fmt/format.h>

namespace portico::api {

std::string Diagnostic::format() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) out += fmt::format(":{}", line);
    if (document > 0) out += fmt::format(" (document {})", document);
    out += ": ";
  }
  out += severity == Severity::Error ? "error: " : "warning: ";
  if (!kind.empty()) {
    out += kind;
    if (!name.empty()) {
      out += " ";
      if (!namespace_.empty()) out += namespace_ + "/";
      out += name;
    }
    out += ": ";
  }
  if (!field.empty()) out += field + ": ";
  out += message;
  return out;
}

}  // namespace portico::api
