// GEP-2257 durations: `^([0-9]{1,5}(h|m|s|ms)){1,4}$`, components summed.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace portico::translate {

// Milliseconds, or nullopt when the string is not a GEP-2257 duration.
std::optional<uint64_t> parseDurationMs(std::string_view s);

}  // namespace portico::translate
