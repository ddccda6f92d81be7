#include "run/access_log_ring.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace portico::run {
namespace {

std::string utcMillis(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
}

}  // namespace

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
    out += utcMillis(e.at);
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
