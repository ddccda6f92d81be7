#include "dataplane/stats.h"

namespace portico::dataplane {

size_t latencyBucket(double seconds) {
  size_t b = 0;
  while (b < kLatencyBuckets.size() && seconds > kLatencyBuckets[b]) ++b;
  return b;
}

void WorkerStats::observe(int status, double seconds) {
  if (status >= 0 && status < 600) add(requestsByCode[static_cast<size_t>(status)]);
  add(latency[latencyBucket(seconds)]);
  add(latencyMicrosSum, static_cast<uint64_t>(seconds * 1e6));
}

void Histogram::observe(double seconds) {
  ++buckets[latencyBucket(seconds)];
  ++count;
  micros += static_cast<uint64_t>(seconds * 1e6);
}

void Histogram::merge(const Histogram& o) {
  for (size_t i = 0; i < buckets.size(); ++i) buckets[i] += o.buckets[i];
  count += o.count;
  micros += o.micros;
}

}  // namespace portico::dataplane
