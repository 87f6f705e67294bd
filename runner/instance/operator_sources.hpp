// Data sources that operators fill without an eBPF program (operator-only images): an array
// data source whose records a RecordLayout describes, declared in the instance like the eBPF
// operator's, so formatters, filters, --sort, --max-entries and outputs apply alike.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "metadata/gadget_metadata.hpp"
#include "runner/fields/synthetic_btf.hpp"
#include "runner/instance/instance.hpp"

namespace ig::runner {

// Declares array data source `name`; `defaults` are the operator's field annotations, under
// gadget.yaml's (which win). The instance keeps the BTF and the pipeline.
EventPipeline& declare_array_source(GadgetInstance& instance, const std::string& name,
                                    const fields::RecordLayout& layout,
                                    const std::map<std::string, metadata::Annotations>& defaults);

// When upstream's statistics operators (process, cgroup) report: a baseline read at start
// that is not emitted, a report after `first-interval` if set (not counted), then one every
// `interval`, `count` of them (0: until the run ends).
class ReportSchedule {
 public:
  using Clock = std::chrono::steady_clock;
  // From operator.<op>'s settings: interval (default `fallback`), first-interval, count.
  // Throws Error(InvalidArgument) naming a bad value.
  ReportSchedule(const std::map<std::string, std::string>& settings, const std::string& op,
                 std::chrono::nanoseconds fallback);
  void start(Clock::time_point now);
  // Whether a report is due at `now`; if so it is counted and the next one scheduled.
  bool take(Clock::time_point now);
  bool finished() const { return count_ > 0 && reported_ >= count_; }
  Clock::time_point next() const { return finished() ? Clock::time_point::max() : next_; }

 private:
  std::chrono::nanoseconds interval_{};
  std::chrono::nanoseconds first_interval_{};
  int count_ = 0;
  int reported_ = 0;
  bool first_pending_ = false;
  Clock::time_point next_{};
};

// The life of the process and cgroup operators: instantiate() declares the data source and
// the schedule when gadget.yaml enables the operator; at start a baseline read; then reports.
class ReportingOperator : public GadgetOperator {
 public:
  void start(GadgetInstance& instance) override;
  Clock::time_point tick(GadgetInstance& instance, Clock::time_point now) override;
  bool has_work() const override { return pipeline_ != nullptr && !schedule_->finished(); }

 protected:
  virtual void baseline() = 0;  // what the first report's deltas count from
  virtual void report() = 0;    // one batch into pipeline_

  EventPipeline* pipeline_ = nullptr;  // null: the operator is off for this image
  std::optional<ReportSchedule> schedule_;
};

}  // namespace ig::runner
