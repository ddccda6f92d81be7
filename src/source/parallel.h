// Loading work split over a few threads: parsing a large manifest's
// documents, decoding the files of a directory at start-up. Both are most
// of the time to load thousands of objects (issue 8: decode + translate of
// 10,000 routes), and their pieces are independent.
#pragma once

#include <cstddef>
#include <functional>

namespace portico::source {

// Threads a load may use: the hardware's, at most 4 (the data plane's
// workers share the machine; a reload of a few files never gets here).
unsigned loadThreads();

// Calls f(0), ..., f(n - 1), each once, on up to `threads` threads (the
// calling one included) and returns when all have returned. The first
// exception a call threw is rethrown here, after the others finish.
void parallelFor(size_t n, unsigned threads, const std::function<void(size_t)>& f);

}  // namespace portico::source
