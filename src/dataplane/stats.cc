#include "dataplane/stats.h"

namespace portico::dataplane {

void WorkerStats::observe(int status, double seconds) {
  if (status >= 0 && status < 600) add(requestsByCode[static_cast<size_t>(status)]);
  size_t b = 0;
  while (b < kLatencyBuckets.size() && seconds > kLatencyBuckets[b]) ++b;
  add(latency[b]);
  add(latencyMicrosSum, static_cast<uint64_t>(seconds * 1e6));
}

}  // namespace portico::dataplane
