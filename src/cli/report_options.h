// How diagnose and explain write their reports (text options from the
// shared -o/--color/--width flags).
#pragma once

#include <iosfwd>

#include "cli/commands.h"
#include "diagnose/terminal.h"

namespace portico::cli {

// Colour and width for text output to `out` (colour on Auto only when `out`
// is the terminal's stdout).
diagnose::TextOptions textOptions(const ReportOptions& options, const std::ostream& out);

}  // namespace portico::cli
