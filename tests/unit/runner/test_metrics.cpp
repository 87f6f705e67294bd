// The metrics registry writes what upstream's OpenTelemetry Prometheus exporter writes.
#include "runner/metrics/registry.hpp"

#include <gtest/gtest.h>

#include "util/error.hpp"

namespace ig::runner::metrics {
namespace {

TEST(FormatValue, MatchesGoFormatFloatShortestG) {
  // Values and strconv.FormatFloat(v, 'g', -1, 64) results.
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(524288), "524288");
  EXPECT_EQ(format_value(1048576), "1.048576e+06");
  EXPECT_EQ(format_value(1e6), "1e+06");
  EXPECT_EQ(format_value(3109288), "3.109288e+06");
  EXPECT_EQ(format_value(0.5), "0.5");
  EXPECT_EQ(format_value(0.0001), "0.0001");
  EXPECT_EQ(format_value(0.00001), "1e-05");
  EXPECT_EQ(format_value(-2.5), "-2.5");
  EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
}

TEST(SanitizeName, ReplacesWhatPrometheusRefuses) {
  EXPECT_EQ(sanitize_name("proc.comm"), "proc_comm");
  EXPECT_EQ(sanitize_name("blockio-metrics"), "blockio_metrics");
  EXPECT_EQ(sanitize_name("9lives"), "_9lives");
}

TEST(Registry, CountersGetTotalAndUnitSuffixes) {
  Registry registry;
  const int bytes = registry.declare(Kind::Counter, "written", "Bytes written", "By");
  const int calls = registry.declare(Kind::Counter, "calls_total", "", "");
  registry.add(bytes, {{"comm", "dd"}}, 4096);
  registry.add(bytes, {{"comm", "dd"}}, 4096);
  registry.add(calls, {}, 1);
  EXPECT_EQ(registry.exposition(),
            "# TYPE calls_total counter\n"
            "calls_total 1\n"
            "# HELP written_bytes_total Bytes written\n"
            "# TYPE written_bytes_total counter\n"
            "written_bytes_total{comm=\"dd\"} 8192\n");
}

TEST(Registry, HistogramBucketsAreCumulativeWithSumAndCount) {
  Registry registry;
  const int h = registry.declare(Kind::Histogram, "latency", "", "µs", {1, 2, 4});
  registry.observe_counts(h, {{"otel_scope_name", "s"}}, {1, 0, 2, 3}, 1 + 2 * 4 + 3 * 8);
  registry.observe(h, {{"otel_scope_name", "s"}}, 2);
  EXPECT_EQ(registry.exposition(),
            "# TYPE latency histogram\n"
            "latency_bucket{otel_scope_name=\"s\",le=\"1\"} 1\n"
            "latency_bucket{otel_scope_name=\"s\",le=\"2\"} 2\n"
            "latency_bucket{otel_scope_name=\"s\",le=\"4\"} 4\n"
            "latency_bucket{otel_scope_name=\"s\",le=\"+Inf\"} 7\n"
            "latency_sum{otel_scope_name=\"s\"} 35\n"
            "latency_count{otel_scope_name=\"s\"} 7\n");
}

TEST(Registry, GaugesKeepTheLastValueAndLabelValuesAreEscaped) {
  Registry registry;
  const int g = registry.declare(Kind::Gauge, "queue", "", "");
  registry.set(g, {{"path", "a\"b\\c\nd"}}, 5);
  registry.set(g, {{"path", "a\"b\\c\nd"}}, 3);
  EXPECT_EQ(registry.exposition(), "# TYPE queue gauge\nqueue{path=\"a\\\"b\\\\c\\nd\"} 3\n");
}

TEST(Registry, OneNameCannotBeTwoKinds) {
  Registry registry;
  EXPECT_EQ(registry.declare(Kind::Gauge, "x", "", ""), registry.declare(Kind::Gauge, "x", "", ""));
  EXPECT_THROW(registry.declare(Kind::Histogram, "x", "", "", {1}), Error);
}

}  // namespace
}  // namespace ig::runner::metrics
