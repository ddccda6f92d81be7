#include "cli/common.h"

#include <chrono>
#include <ctime>
#include <ostream>

namespace portico::cli {

DiagnosticCounts printDiagnostics(const api::Diagnostics& diagnostics, std::ostream& err) {
  DiagnosticCounts counts;
  for (const auto& d : diagnostics) {
    err << d.format() << '\n';
    if (d.severity == api::Severity::Error) {
      ++counts.errors;
    } else {
      ++counts.warnings;
    }
  }
  return counts;
}

Loaded loadAndReport(const std::vector<std::string>& paths, std::ostream& err) {
  Loaded loaded;
  loaded.result = source::loadPaths(paths);
  loaded.counts = printDiagnostics(loaded.result.diagnostics, err);
  return loaded;
}

std::string utcNowRfc3339() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(buf, n);
}

}  // namespace portico::cli
