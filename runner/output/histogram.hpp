// Histograms of the profile_* gadgets as upstream prints them (its otel-metrics operator with
// `metrics.print: "true"` on the data source): for each field whose elements are
// gadget_histogram_slot__u32/__u64 (log2 slots), the counts of every batch so far, rendered
// as bcc's print_log2_hist(). The data source's rows are replaced by that text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runner/fields/field_table.hpp"
#include "runner/output/event_writers.hpp"

struct btf;

namespace ig::runner::output {

// 4 or 8 when BTF type `type_id` is an array of gadget_histogram_slot__u32/__u64 (seen through
// typedefs and modifiers), else 0.
size_t histogram_slot_size(const struct btf* btf, uint32_t type_id);

// Upstream's histogram text for log2 slots: "        µs               : count    distribution"
// then one "%10d -> %-10d : %-8d |stars|" row per slot, slot i spanning (2^(i-1), 2^i].
std::string render_log2_histogram(const std::string& unit, const std::vector<uint64_t>& counts);

class HistogramPrinter {
 public:
  // The histogram fields of `table` (none: empty()). `btf` gives the element types.
  HistogramPrinter(const struct btf* btf, const fields::FieldTable& table);
  bool empty() const { return fields_.empty(); }
  // Adds each row's slots to the totals of the run (upstream's otel histograms are
  // cumulative).
  void add(const std::vector<Row>& rows);
  // Every histogram: its metric name (metrics.name, else the field), then the histogram and a
  // blank line; empty until something was counted.
  std::string render() const;

 private:
  struct Histogram {
    int field = -1;
    std::string name;
    std::string unit;
    size_t slot_size = 4;
    std::vector<uint64_t> counts;
  };
  std::vector<Histogram> fields_;
  bool counted_ = false;
};

}  // namespace ig::runner::output
