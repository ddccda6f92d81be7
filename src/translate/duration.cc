#include "translate/duration.h"

namespace portico::translate {

std::optional<uint64_t> parseDurationMs(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t total = 0;
  int components = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t digits = 0;
    uint64_t value = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      value = value * 10 + static_cast<uint64_t>(s[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0 || digits > 5 || i >= s.size()) return std::nullopt;
    uint64_t unit = 0;
    if (s[i] == 'h') {
      unit = 3600000;
      ++i;
    } else if (s[i] == 's') {
      unit = 1000;
      ++i;
    } else if (s[i] == 'm') {
      if (i + 1 < s.size() && s[i + 1] == 's') {
        unit = 1;
        i += 2;
      } else {
        unit = 60000;
        ++i;
      }
    } else {
      return std::nullopt;
    }
    total += value * unit;
    if (++components > 4) return std::nullopt;
  }
  return total;
}

}  // namespace portico::translate
