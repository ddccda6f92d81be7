// A writer for the Prometheus text exposition format (version 0.0.4), used
// to render /metrics. It only formats: the values come from the caller.
//
// Samples of one family (same metric name) are grouped under a single
// `# HELP` / `# TYPE` pair even when the calls for that family are
// interleaved with others, as the format requires; families appear in the
// order of their first sample. Names are not validated: they come from
// code, not from users ([a-zA-Z_:][a-zA-Z0-9_:]* is the caller's job).
// Label values and help texts are escaped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace portico::admin {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class MetricsWriter {
 public:
  // Content-Type of str()'s output.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // The first call for a name fixes its help text and type; a later call for
  // the same name with another type throws std::invalid_argument.
  void counter(std::string_view name, std::string_view help, const MetricLabels& labels, double value);
  void gauge(std::string_view name, std::string_view help, const MetricLabels& labels, double value);

  // `bucketCounts[i]` is the number of observations in (bucketBounds[i-1],
  // bucketBounds[i]], i.e. per bucket, NOT cumulative: the writer emits the
  // cumulative name_bucket{le="..."} series itself. `count` is the total
  // number of observations (the le="+Inf" bucket), so observations above the
  // last bound need no entry; a trailing extra entry for them is ignored and
  // missing entries count as 0. Bounds must be ascending.
  void histogram(std::string_view name, std::string_view help, const MetricLabels& labels,
                 const std::vector<double>& bucketBounds, const std::vector<uint64_t>& bucketCounts,
                 double sum, uint64_t count);

  // A summary without quantiles: name_sum and name_count only (two series
  // where a histogram has one per bucket).
  void summary(std::string_view name, std::string_view help, const MetricLabels& labels, double sum,
               uint64_t count);

  std::string str() const;

 private:
  struct Family {
    std::string name, help, type;
    std::string samples;  // rendered sample lines
  };
  Family& family(std::string_view name, std::string_view help, std::string_view type);
  static void sample(std::string& out, std::string_view name, const MetricLabels& labels,
                     std::string_view value, std::string_view le = {});

  std::vector<Family> families_;                   // in order of first use
  std::unordered_map<std::string, size_t> index_;  // name -> families_ index
};

// A sample value as Prometheus parses it: shortest round-trip decimal,
// "+Inf", "-Inf", "NaN".
std::string formatMetricValue(double v);

}  // namespace portico::admin
