// Metrics collected from gadget data (upstream's otel-metrics operator), exposed in the
// Prometheus text format (version 0.0.4) as upstream's OpenTelemetry Prometheus exporter
// writes it: counters end in _total, known units become name suffixes, histograms have
// cumulative _bucket series with le, then _sum and _count.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ig::runner::metrics {

// Label name -> value; a std::map keeps them in the order Prometheus' client writes them.
using Labels = std::map<std::string, std::string>;

enum class Kind { Counter, Gauge, Histogram };

// Go's strconv.FormatFloat(v, 'g', -1, 64), the form Prometheus' client writes values in:
// shortest round-trip digits, exponent form from 1e+06 up and below 1e-04.
std::string format_value(double value);
// `name` with every character outside [a-zA-Z0-9_:] replaced by '_' (and a leading digit
// prefixed), as Prometheus accepts metric and label names.
std::string sanitize_name(std::string_view name);

// Thread-safe: collectors write from the event loop while the HTTP server reads.
class Registry {
 public:
  // Declares a family and returns its id; the same name and kind give the same id. `unit` is
  // upstream's metrics.unit; `bounds` the histogram's upper bounds, ascending. Throws
  // Error(InvalidArgument) when the name is taken by a family of another kind.
  int declare(Kind kind, const std::string& name, const std::string& help, const std::string& unit,
              std::vector<double> bounds = {});
  void add(int family, const Labels& labels, double delta);    // counter
  void set(int family, const Labels& labels, double value);    // gauge
  void observe(int family, const Labels& labels, double value);  // histogram, one value
  // Histogram: `counts[i]` values fell in bucket i (the last one is +Inf), summing to `sum`.
  void observe_counts(int family, const Labels& labels, const std::vector<uint64_t>& counts, double sum);

  // Every family, sorted by exposed name; series sorted by labels.
  std::string exposition() const;

 private:
  struct Family {
    Kind kind;
    std::string name;  // as exposed, suffixes included
    std::string help;
    std::vector<double> bounds;
  };
  struct Series {
    double value = 0;               // counter, gauge
    std::vector<uint64_t> buckets;  // histogram, not cumulative; last: +Inf
    uint64_t count = 0;
    double sum = 0;
  };
  Series& series(int family, const Labels& labels);
  void write_family(std::string& out, const Family& family, const std::map<Labels, Series>& series) const;

  mutable std::mutex mutex_;
  std::vector<Family> families_;
  std::vector<std::map<Labels, Series>> series_;  // per family
};

}  // namespace ig::runner::metrics
