#include "process_memory.h"

#include <dlfcn.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

namespace portico::bench {

uint64_t currentRssBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t sizePages = 0, residentPages = 0;
  if (!(statm >> sizePages >> residentPages)) return 0;
  return residentPages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t peakRssBytes() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

uint64_t heapInUseBytes() {
  // jemalloc (linked into this benchmark, as into portico): its own
  // statistics, refreshed by advancing the epoch. glibc's mallinfo2 would
  // describe glibc's unused heap.
  using Mallctl = int (*)(const char*, void*, size_t*, void*, size_t);
  if (const auto mallctl = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"))) {
    uint64_t epoch = 1;
    size_t epochSize = sizeof(epoch);
    mallctl("epoch", &epoch, &epochSize, &epoch, epochSize);
    size_t allocated = 0, size = sizeof(allocated);
    if (mallctl("stats.allocated", &allocated, &size, nullptr, 0) == 0) return allocated;
  }
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<uint64_t>(mi.uordblks) + static_cast<uint64_t>(mi.hblkhd);
}

}  // namespace portico::bench
