#include "run/access_log_ring.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "dataplane/access_log.h"

namespace portico::run {

AccessLogRing::AccessLogRing(size_t capacity) : slots_(std::max<size_t>(capacity, 1)) {}

void AccessLogRing::push(std::string line, std::chrono::system_clock::time_point at) {
  if (line.size() > kAccessLogRingMaxLine) {
    line.resize(kAccessLogRingMaxLine);
    line += " [truncated]";
  }
  Entry e{at, std::move(line)};
  {
    std::lock_guard lock(mu_);
    std::swap(slots_[next_ % slots_.size()], e);
    ++next_;
  }
  // `e` now holds the displaced line: freed here, outside the lock.
}

std::vector<AccessLogRing::Entry> AccessLogRing::last(size_t limit) const {
  std::lock_guard lock(mu_);
  const uint64_t held = std::min<uint64_t>(next_, slots_.size());
  const uint64_t n = std::min<uint64_t>(held, limit);
  std::vector<Entry> out;
  out.reserve(n);
  for (uint64_t i = next_ - n; i < next_; ++i) out.push_back(slots_[i % slots_.size()]);
  return out;
}

std::string AccessLogRing::text(size_t limit) const {
  std::string out;
  for (const auto& e : last(limit)) {
    out += dataplane::utcTimestamp(e.at);
    out += ' ';
    out += e.line;
    out += '\n';
  }
  return out;
}

uint64_t AccessLogRing::pushed() const {
  std::lock_guard lock(mu_);
  return next_;
}

std::function<void(const std::string&)> teeToRing(std::shared_ptr<AccessLogRing> ring,
                                                  std::function<void(const std::string&)> next) {
  return [ring = std::move(ring), next = std::move(next)](const std::string& line) {
    // The ring first: a slow stdout pipe must not delay the line at
    // /access-log.
    ring->push(line);
    if (next) next(line);
  };
}

}  // namespace portico::run
