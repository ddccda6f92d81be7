// A compact line diff of two manifests for `portico changes`: only the
// lines that differ ("- old", "+ new"), each run preceded by the nearest
// unchanged line ("  ctx") so the reader sees which field it is under.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace portico::run {

// At most `maxLines` lines; a last line "… N more changed lines" says what
// was left out.
std::vector<std::string> compactDiff(std::string_view before, std::string_view after, size_t maxLines = 40);

}  // namespace portico::run
