#include "echo/log.h"

#include <cstdio>
#include <mutex>

namespace portico::echo {

void logLine(const std::string& line) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace portico::echo
