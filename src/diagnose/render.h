// Output of `portico diagnose`: text for people (wrapped to the terminal
// width, coloured only when asked, i.e. on a TTY) and JSON for machines
// (schema "portico.dev/diagnose/v1", documented in docs/troubleshooting.md;
// fields are only ever added).
#pragma once

#include <string>

#include "diagnose/diagnose.h"

namespace portico::diagnose {

struct TextOptions {
  int width = 80;
  bool color = false;
};

std::string renderText(const Report& report, const TextOptions& options);
std::string renderJson(const Report& report);

std::string renderComparisonText(const Comparison& c, const TextOptions& options);
std::string renderComparisonJson(const Comparison& c);

// The fix's JSON Patch as a kubectl command (one operation per line), or
// "" when the fix has no patch.
std::string patchCommand(const Fix& fix);

}  // namespace portico::diagnose
