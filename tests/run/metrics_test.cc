// ControlMetrics::render: what the default flags cost in series.
#include "run/metrics.h"

#include <gtest/gtest.h>

#include "dataplane/stats.h"

namespace portico::run {
namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ControlMetrics, BackendLatencyIsTwoSeriesPerBackendUnlessHistogramsAreAskedFor) {
  dataplane::LabelledStats labelled;
  for (int i = 0; i < 50; ++i) labelled.upstreamTime["ns/svc" + std::to_string(i) + ":80"].observe(0.002);
  ControlMetrics m;
  const std::string plain = m.render({}, labelled);
  EXPECT_EQ(count(plain, "\nportico_upstream_request_duration_seconds_"), 100u) << plain;
  EXPECT_EQ(count(plain, "portico_upstream_request_duration_seconds_bucket"), 0u);

  m.backendHistograms = true;
  const std::string buckets = m.render({}, labelled);
  EXPECT_GT(count(buckets, "\nportico_upstream_request_duration_seconds_bucket{backend=\"ns/svc7:80\""), 5u);
  EXPECT_NE(buckets.find("# TYPE portico_upstream_request_duration_seconds histogram"), std::string::npos);
}

}  // namespace
}  // namespace portico::run
