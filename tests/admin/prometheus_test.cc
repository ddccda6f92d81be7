#include "admin/prometheus.h"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

namespace portico::admin {
namespace {

TEST(MetricsWriter, GroupsFamiliesInFirstUseOrder) {
  MetricsWriter w;
  w.counter("portico_requests_total", "Requests served.", {{"code", "200"}}, 5);
  w.gauge("portico_connections", "Open connections.", {}, 3);
  w.counter("portico_requests_total", "ignored: the first help wins", {{"code", "404"}}, 1);
  EXPECT_EQ(w.str(),
            "# HELP portico_requests_total Requests served.\n"
            "# TYPE portico_requests_total counter\n"
            "portico_requests_total{code=\"200\"} 5\n"
            "portico_requests_total{code=\"404\"} 1\n"
            "# HELP portico_connections Open connections.\n"
            "# TYPE portico_connections gauge\n"
            "portico_connections 3\n");
}

TEST(MetricsWriter, EscapesLabelValuesAndHelp) {
  MetricsWriter w;
  w.gauge("g", "line one\nback\\slash \"quoted\"", {{"path", "a\\b\"c\"\nd"}, {"x", "y"}}, 1.5);
  EXPECT_EQ(w.str(),
            "# HELP g line one\\nback\\\\slash \"quoted\"\n"
            "# TYPE g gauge\n"
            "g{path=\"a\\\\b\\\"c\\\"\\nd\",x=\"y\"} 1.5\n");
}

TEST(MetricsWriter, SpecialValues) {
  MetricsWriter w;
  w.gauge("g", "h", {{"v", "inf"}}, std::numeric_limits<double>::infinity());
  w.gauge("g", "h", {{"v", "-inf"}}, -std::numeric_limits<double>::infinity());
  w.gauge("g", "h", {{"v", "nan"}}, std::numeric_limits<double>::quiet_NaN());
  w.gauge("g", "h", {{"v", "small"}}, 0.25);
  EXPECT_EQ(w.str(),
            "# HELP g h\n# TYPE g gauge\n"
            "g{v=\"inf\"} +Inf\ng{v=\"-inf\"} -Inf\ng{v=\"nan\"} NaN\ng{v=\"small\"} 0.25\n");
}

TEST(MetricsWriter, HistogramBucketsAreCumulativeWithInf) {
  MetricsWriter w;
  // 2 observations <= 0.1, 3 in (0.1, 1], 1 above 1.
  w.histogram("latency_seconds", "Request latency.", {{"route", "r"}}, {0.1, 1}, {2, 3}, 4.5, 6);
  w.counter("other_total", "Other.", {}, 1);
  w.histogram("latency_seconds", "Request latency.", {}, {0.1, 1}, {}, 0, 0);
  EXPECT_EQ(w.str(),
            "# HELP latency_seconds Request latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{route=\"r\",le=\"0.1\"} 2\n"
            "latency_seconds_bucket{route=\"r\",le=\"1\"} 5\n"
            "latency_seconds_bucket{route=\"r\",le=\"+Inf\"} 6\n"
            "latency_seconds_sum{route=\"r\"} 4.5\n"
            "latency_seconds_count{route=\"r\"} 6\n"
            "latency_seconds_bucket{le=\"0.1\"} 0\n"
            "latency_seconds_bucket{le=\"1\"} 0\n"
            "latency_seconds_bucket{le=\"+Inf\"} 0\n"
            "latency_seconds_sum 0\n"
            "latency_seconds_count 0\n"
            "# HELP other_total Other.\n"
            "# TYPE other_total counter\n"
            "other_total 1\n");
}

TEST(MetricsWriter, ExplicitInfBoundIsNotRepeated) {
  MetricsWriter w;
  w.histogram("h", "x", {}, {1, std::numeric_limits<double>::infinity()}, {1, 1}, 3, 2);
  EXPECT_EQ(
      w.str(),
      "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n");
}

TEST(MetricsWriter, TypeConflictThrows) {
  MetricsWriter w;
  w.counter("m", "h", {}, 1);
  EXPECT_THROW(w.gauge("m", "h", {}, 1), std::invalid_argument);
}

TEST(MetricsWriter, EmptyWriterIsEmpty) { EXPECT_EQ(MetricsWriter().str(), ""); }

}  // namespace
}  // namespace portico::admin

namespace portico::admin {
namespace {

TEST(MetricsWriter, SummaryIsASumAndACount) {
  MetricsWriter w;
  w.summary("upstream_seconds", "Upstream time.", {{"backend", "ns/a:80"}}, 0.75, 3);
  w.summary("upstream_seconds", "Upstream time.", {{"backend", "ns/b:80"}}, 0, 0);
  EXPECT_EQ(w.str(),
            "# HELP upstream_seconds Upstream time.\n"
            "# TYPE upstream_seconds summary\n"
            "upstream_seconds_sum{backend=\"ns/a:80\"} 0.75\n"
            "upstream_seconds_count{backend=\"ns/a:80\"} 3\n"
            "upstream_seconds_sum{backend=\"ns/b:80\"} 0\n"
            "upstream_seconds_count{backend=\"ns/b:80\"} 0\n");
}

}  // namespace
}  // namespace portico::admin
