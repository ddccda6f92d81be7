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

void LabelledStats::merge(const LabelledStats& o) {
  auto sum = [](LabelledCounts& into, const LabelledCounts& from) {
    for (const auto& [k, v] : from) {
      auto& dst = into[k];
      for (size_t i = 0; i < v.size(); ++i) dst[i] += v[i];
    }
  };
  sum(byListener, o.byListener);
  sum(byBackend, o.byBackend);
  sum(byRoute, o.byRoute);
  for (const auto& [k, h] : o.routeTime) routeTime[k].merge(h);
  for (const auto& [k, n] : o.activeConnections) activeConnections[k] += n;
  for (const auto& [k, h] : o.upstreamTime) upstreamTime[k].merge(h);
  for (const auto& [k, n] : o.connectErrors) connectErrors[k] += n;
  for (const auto& [k, n] : o.tlsErrors) tlsErrors[k] += n;
  for (const auto& [k, n] : o.tlsHandshakes) tlsHandshakes[k] += n;
  mergeEndpoints(endpoints, o.endpoints);
}

}  // namespace portico::dataplane
