// What every subcommand does first: load the manifests and report the
// loader's diagnostics on stderr.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "api/diagnostic.h"
#include "source/loader.h"

namespace portico::cli {

struct DiagnosticCounts {
  int errors = 0;
  int warnings = 0;
};

// One Diagnostic::format() line per diagnostic.
DiagnosticCounts printDiagnostics(const api::Diagnostics& diagnostics, std::ostream& err);

struct Loaded {
  source::LoadResult result;
  DiagnosticCounts counts;
};

// loadPaths() plus printDiagnostics().
Loaded loadAndReport(const std::vector<std::string>& paths, std::ostream& err);

// The current time as RFC 3339 UTC with second precision
// ("2025-01-31T12:00:00Z"), the form metav1.Time serialises to.
std::string utcNowRfc3339();

}  // namespace portico::cli
