// Terminal facts for the text renderers: colour only on a TTY (and never
// with NO_COLOR set, https://no-color.org), width of the terminal or 80.
#pragma once

#include <ctime>
#include <string_view>

#include "diagnose/render.h"

namespace portico::diagnose {

enum class Color { Auto, Always, Never };

// `toStdout`: the output goes to the process's stdout (only then can it be
// a terminal). `width` 0 = the terminal's width (clamped to 60..160), or 80.
TextOptions terminalOptions(Color color, int width, bool toStdout);

// "2025-01-31T12:00:00Z" -> time_t; 0 when malformed.
std::time_t parseRfc3339(std::string_view s);

}  // namespace portico::diagnose
