// Memory figures of this process, for the benchmark's RSS columns.
#pragma once

#include <cstdint>

namespace portico::bench {

// Resident set size now, in bytes (/proc/self/statm); 0 when unreadable.
uint64_t currentRssBytes();

// Peak resident set size since start, in bytes (getrusage ru_maxrss).
uint64_t peakRssBytes();

// Bytes the allocator has handed out and not yet got back (jemalloc's
// stats.allocated, or glibc's mallinfo2): unlike RSS, it drops when objects are freed, so the
// difference around a call is what that call's result keeps alive.
uint64_t heapInUseBytes();

}  // namespace portico::bench
