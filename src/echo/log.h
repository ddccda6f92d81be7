// portico-echo's stdout lines ("listening on ...", "Echoing back ...").
#pragma once

#include <string>

namespace portico::echo {

// One line on stdout, written whole and flushed (safe from any thread).
void logLine(const std::string& line);

}  // namespace portico::echo
