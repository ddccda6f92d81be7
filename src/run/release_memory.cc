#include "run/release_memory.h"

#include <dlfcn.h>
#include <malloc.h>

#include <cstddef>

namespace portico::run {

void releaseFreedMemory() {
  // Looked up at run time, not linked: the layer libraries are shared by
  // binaries with and without jemalloc, and LD_PRELOAD works too.
  using Mallctl = int (*)(const char*, void*, size_t*, void*, size_t);
  static const auto mallctl = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"));
  if (mallctl) {
    // "arena.<i>.purge" with i = MALLCTL_ARENAS_ALL (4096 in jemalloc 5):
    // every arena's dirty and muzzy pages go back now instead of after the
    // decay time (10 s by default).
    mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
    return;
  }
  malloc_trim(0);
}

}  // namespace portico::run
