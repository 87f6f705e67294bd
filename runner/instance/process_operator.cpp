#include "runner/fields/synthetic_btf.hpp"
#include "runner/instance/instance.hpp"
#include "runner/instance/operators.hpp"
#include "runner/instance/operator_sources.hpp"
#include "runner/stats/operator_settings.hpp"
#include "runner/stats/processes.hpp"
#include "runner/format/text.hpp"
#include "util/error.hpp"

namespace ig::runner {
namespace {


// The record of one process, with upstream's field names, kinds and column annotations.
struct ProcessRecord {
  fields::RecordLayout layout{"process_stats"};
  size_t pid = layout.add_int("pid", 4, true);
  size_t ppid = layout.add_int("ppid", 4, true);
  size_t comm = layout.add_string("comm", 32);
  size_t priority = layout.add_int("priority", 1, true);
  size_t nice = layout.add_int("nice", 1, true);
  size_t cpu_usage = layout.add_double("cpuUsage");
  size_t cpu_usage_relative = layout.add_double("cpuUsageRelative");
  size_t memory_rss = layout.add_int("memoryRSS_raw", 8, false, "gadget_bytes");
  size_t memory_virtual = layout.add_int("memoryVirtual_raw", 8, false, "gadget_bytes");
  size_t memory_shared = layout.add_int("memoryShared_raw", 8, false, "gadget_bytes");
  size_t memory_relative = layout.add_double("memoryRelative");
  size_t threads = layout.add_int("threadCount", 4, true);
  size_t state = layout.add_string("state", 2);
  size_t uid = layout.add_int("uid", 4, false);
  size_t start_time = layout.add_int("startTime", 8, false);
  size_t start_time_str = layout.add_string("startTimeStr", 40);
  size_t cpu_time = layout.add_int("cpuTime", 8, true);
  size_t cpu_time_str = layout.add_string("cpuTimeStr", 24);
  size_t mntns = layout.add_int("mountnsid", 8, false, "gadget_mntns_id");

  static const std::map<std::string, metadata::Annotations>& defaults();
  void write(fields::RecordWriter& out, const stats::ProcessSample& p) const;
};

const std::map<std::string, metadata::Annotations>& ProcessRecord::defaults() {
  static const std::map<std::string, metadata::Annotations> kDefaults = {
      {"pid", {{"template", "pid"}}},
      {"ppid", {{"template", "ppid"}}},
      {"comm", {{"template", "comm"}}},
      {"priority", {{"columns.alignment", "right"}, {"description", "The priority of the process."}}},
      {"nice", {{"columns.alignment", "right"}, {"description", "The nice value of the process."}}},
      {"cpuUsage", {{"columns.precision", "1"}, {"columns.alignment", "right"}, {"columns.maxwidth", "8"},
                    {"description", "The CPU usage of the process as a percentage."}}},
      {"cpuUsageRelative", {{"columns.precision", "1"}, {"columns.alignment", "right"}, {"columns.maxwidth", "8"},
                            {"description", "The CPU usage percentage relative to the number of CPUs available."}}},
      {"memoryRSS", {{"columns.alignment", "right"}, {"description", "The Resident Set Size (RSS) of the process in bytes."}}},
      {"memoryVirtual", {{"columns.alignment", "right"}, {"description", "The Virtual Memory Size of the process in bytes."}}},
      {"memoryShared", {{"columns.alignment", "right"}, {"description", "The Shared Memory Size of the process in bytes."}}},
      {"memoryRelative", {{"columns.precision", "1"}, {"columns.alignment", "right"}, {"columns.maxwidth", "8"},
                          {"description", "Percentage of RSS memory used relative to available memory."}}},
      {"threadCount", {{"columns.alignment", "right"}, {"columns.maxwidth", "11"},
                       {"description", "The number of threads used by the process."}}},
      {"state", {{"columns.maxwidth", "5"}, {"description", "The state of the process (R, S, D, Z, T, ...)."}}},
      {"uid", {{"template", "uid"}}},
      {"startTime", {{"columns.hidden", "true"},
                     {"description", "The time when the process started, as clock ticks since system boot."}}},
      {"startTimeStr", {{"columns.ellipsis", "start"}, {"columns.maxwidth", "25"},
                        {"description", "The time when the process started (RFC3339)."}}},
      {"cpuTime", {{"columns.hidden", "true"}, {"description", "Total CPU time"}}},
      {"cpuTimeStr", {{"columns.alignment", "right"}, {"columns.maxwidth", "12"},
                      {"description", "Total CPU time, formatted as duration"}}},
      {"mountnsid", {{"template", "mntns_id"}}},
  };
  return kDefaults;
}

void ProcessRecord::write(fields::RecordWriter& out, const stats::ProcessSample& p) const {
  out.clear();
  out.put<int32_t>(pid, p.pid);
  out.put<int32_t>(ppid, p.ppid);
  out.put_string(comm, 32, p.comm);
  out.put<int8_t>(priority, p.priority);
  out.put<int8_t>(nice, p.nice);
  out.put<double>(cpu_usage, p.cpu_usage);
  out.put<double>(cpu_usage_relative, p.cpu_usage_relative);
  out.put<uint64_t>(memory_rss, p.memory_rss);
  out.put<uint64_t>(memory_virtual, p.memory_virtual);
  out.put<uint64_t>(memory_shared, p.memory_shared);
  out.put<double>(memory_relative, p.memory_relative);
  out.put<int32_t>(threads, p.threads);
  out.put_string(state, 2, p.state);
  out.put<uint32_t>(uid, p.uid);
  out.put<uint64_t>(start_time, p.start_ticks);
  std::string started;
  format::append_go_time(started, p.start_unix_ns, "2006-01-02T15:04:05Z07:00");
  out.put_string(start_time_str, 40, started);
  out.put<int64_t>(cpu_time, static_cast<int64_t>(p.cpu_time));
  out.put_string(cpu_time_str, 24, stats::cpu_time_text(p.cpu_time));
  out.put<uint64_t>(mntns, p.mntns);
}

// Upstream's process operator (gadget.yaml `operator.process.emitstats: true`, as top_process):
// the array data source "processes", every process once a first read has given CPU usage a
// baseline, after first-interval, then every interval, `count` times (0: until the end).
class ProcessOperator : public ReportingOperator {
 public:
  std::string_view name() const override { return "process"; }

  void instantiate(GadgetInstance& instance) override {
    const PreparedGadget& g = instance.gadget();
    const auto settings = stats::operator_settings(g.image.metadata_yaml, "process", g.custom_values);
    if (auto it = settings.find("emitstats"); it == settings.end() || it->second != "true") return;
    schedule_.emplace(settings, "process", std::chrono::seconds(60));
    pipeline_ = &declare_array_source(instance, "processes", record_.layout, ProcessRecord::defaults());
  }

 private:
  void baseline() override { table_.read(); }  // CPU usage counts from it; upstream does not emit it

  void report() override {
    fields::RecordWriter record(record_.layout.size());
    pipeline_->begin_batch();
    for (const auto& p : table_.read()) {
      record_.write(record, p);
      pipeline_->handle(record.data(), record.size());
    }
    pipeline_->end_batch();
  }

  ProcessRecord record_;
  stats::ProcessTable table_;
};

}  // namespace

namespace operators {
std::unique_ptr<GadgetOperator> make_process_operator() {
  return std::make_unique<ProcessOperator>();
}
}  // namespace operators

}  // namespace ig::runner
