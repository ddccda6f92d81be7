// A .tar.gz of in-memory files for `portico bundle`: POSIX ustar records
// compressed by zlib in gzip framing, readable by `tar xzf`. Regular files
// only, names below 100 bytes (the bundle's own names are short).
#pragma once

#include <ctime>
#include <string>
#include <vector>

namespace portico::cli {

struct TarEntry {
  std::string name;  // relative path, '/'-separated, < 100 bytes
  std::string content;
};

// The archive's bytes; `error` set (and "" returned) when a name does not
// fit or compression fails.
std::string tarGz(const std::vector<TarEntry>& entries, std::time_t mtime, std::string& error);

}  // namespace portico::cli
