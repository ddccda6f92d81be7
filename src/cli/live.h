// The CLI side of --admin: ask a running Portico's admin server for a
// rendered report and pass on its text and exit status.
#pragma once

#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"

namespace portico::cli {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// "/path?a=1&b=2", values percent-encoded.
std::string withQuery(const std::string& path, const QueryParams& params);

// The -o/--color/--width choices as query parameters (the server renders;
// only the CLI knows whether its stdout is a terminal).
void addReportParams(QueryParams& params, const ReportOptions& options, const std::ostream& out);

// GETs `target` and writes the body to `out`. Returns the server's
// X-Portico-Exit, or 2 (with the reason on `err`) when the server cannot
// be reached or refuses the request.
int fetchReport(const std::string& admin, const std::string& target, std::ostream& out, std::ostream& err);

}  // namespace portico::cli
