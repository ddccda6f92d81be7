// Handing memory the allocator keeps after a burst of reloads back to the
// system, whichever allocator the process runs on.
#pragma once

namespace portico::run {

// jemalloc (the portico binary, CMakeLists.txt): purges every arena's
// unused dirty pages. glibc malloc (tests, sanitizer builds): malloc_trim.
// Takes the allocator's locks while it works: call it when idle.
void releaseFreedMemory();

}  // namespace portico::run
