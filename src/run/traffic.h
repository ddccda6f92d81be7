// /traffic: the dashboard's traffic view as one JSON document
// (docs/dashboard.md): per Gateway and listener, route and backend the
// requests by status class, p50/p99 latency estimated from the histogram
// buckets, and the open connections per Gateway and port. Per-route
// latency lives here rather than in /metrics, where it would add 15
// series per route.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dataplane/stats.h"
#include "ir/ir.h"

namespace portico::run {

struct TrafficInput {
  uint64_t generation = 0;
  bool routeMetrics = false;           // per-route counters are collected (--route-metrics)
  const ir::Config* config = nullptr;  // the served IR: binds -> listeners -> Gateways
  const dataplane::LabelledStats* labelled = nullptr;
};

// The q-quantile (0 < q < 1) of a latency histogram in seconds, linear
// inside a bucket like Prometheus' histogram_quantile; nullopt when empty.
// Past the last finite bucket it answers that bucket's bound.
std::optional<double> histogramQuantile(double q, const dataplane::Histogram& h);

std::string trafficJson(const TrafficInput& in);

}  // namespace portico::run
