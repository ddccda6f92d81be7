// The last access-log lines of `portico run`, kept in memory for the admin
// endpoint /access-log and `portico bundle` (access-log.txt), next to the
// controller's own log (/log). Written by every data-plane worker once per
// request, read rarely by the admin server.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace portico::run {

// Lines kept by `portico run` (the bundle's access-log.txt holds them).
inline constexpr size_t kAccessLogRingLines = 500;
// A longer line is kept cut at this size (and marked): 500 lines of a
// client's 64 KiB request target must not cost 32 MiB of memory.
inline constexpr size_t kAccessLogRingMaxLine = 4096;

// A fixed-size ring of lines. Synchronisation is a std::mutex held only to
// swap the new line into its slot and bump the counter: a few nanoseconds
// uncontended, and workers write at most one line per request, so
// contention stays rare. A lock-free ring would need per-slot sequence
// numbers and a reader that retries; not worth it at this write rate. The
// displaced line is freed after the lock is released.
class AccessLogRing {
 public:
  explicit AccessLogRing(size_t capacity = kAccessLogRingLines);

  // Keeps `line` (without newline), stamped with `at`; drops the oldest
  // line when full. Thread-safe.
  void push(std::string line, std::chrono::system_clock::time_point at = std::chrono::system_clock::now());

  struct Entry {
    std::chrono::system_clock::time_point at;
    std::string line;
  };
  // The newest `limit` lines (at most capacity()), oldest first.
  std::vector<Entry> last(size_t limit) const;
  // The same as text: "2026-01-31T10:42:07.123Z LINE\n" per line (the time
  // it was written, UTC; JSON lines carry no time of their own).
  std::string text(size_t limit) const;

  size_t capacity() const { return slots_.size(); }
  // Lines ever pushed (pushed() - capacity() were dropped when larger).
  uint64_t pushed() const;

 private:
  mutable std::mutex mu_;
  std::vector<Entry> slots_;  // guarded by mu_
  uint64_t next_ = 0;         // guarded by mu_; slot of the next line: next_ % capacity
};

// An access-log sink (dataplane::ServerOptions::accessLog) that keeps each
// line in `ring` and then hands it to `next` (when set), e.g. the stdout
// writer of `portico run`.
std::function<void(const std::string&)> teeToRing(std::shared_ptr<AccessLogRing> ring,
                                                  std::function<void(const std::string&)> next);

}  // namespace portico::run
