#include <map>

#include "runner/format/formatters.hpp"
#include "runner/instance/instance.hpp"
#include "runner/instance/operator_sources.hpp"
#include "runner/instance/operators.hpp"
#include "runner/params.hpp"
#include "runner/stats/bpf_programs.hpp"
#include "runner/stats/operator_settings.hpp"
#include "util/error.hpp"

namespace ig::runner {
namespace {

using Clock = GadgetOperator::Clock;

// One program's record, with upstream's field names, kinds and column annotations.
struct ProgramRecord {
  fields::RecordLayout layout{"bpf_program_stats"};
  size_t gadget_id = layout.add_string("gadgetID", 40);
  size_t gadget_name = layout.add_string("gadgetName", 64);
  size_t gadget_image = layout.add_string("gadgetImage", 128);
  size_t prog_id = layout.add_int("progID", 4, false);
  size_t prog_name = layout.add_string("progName", 16);
  size_t prog_type = layout.add_string("progType", 32);
  size_t cpu_usage = layout.add_double("cpuUsage");
  size_t cpu_usage_relative = layout.add_double("cpuUsageRelative");
  size_t cpu_time_str = layout.add_string("cpuTimeStr", 32);
  size_t runtime = layout.add_int("runtime_raw", 8, false, "gadget_duration");
  size_t runcount = layout.add_int("runcount", 8, false);
  size_t map_memory = layout.add_int("mapMemory_raw", 8, false, "gadget_bytes");
  size_t map_count = layout.add_int("mapCount", 8, false);
  size_t comms = layout.add_string("comms", 256);
  size_t pids = layout.add_string("pids", 256);

  static const std::map<std::string, metadata::Annotations>& defaults() {
    static const std::map<std::string, metadata::Annotations> kDefaults = {
        {"gadgetID", {{"columns.width", "8"}, {"description", "Unique ID assigned to each Gadget instance"}}},
        {"gadgetName", {{"columns.width", "16"}, {"description", "Name of the Gadget instance"}}},
        {"gadgetImage", {{"columns.width", "16"}, {"description", "Name of the Gadget image"}}},
        {"progID", {{"columns.alignment", "right"}, {"columns.width", "5"},
                    {"description", "eBPF program ID assigned by the Linux kernel"}}},
        {"progName", {{"columns.fixed", "true"}, {"columns.width", "16"}, {"description", "Name of the eBPF program"}}},
        {"progType", {{"columns.width", "16"}, {"description", "Type of the eBPF program"}}},
        {"cpuUsage", {{"columns.alias", "%CPU"}, {"columns.precision", "2"}, {"columns.alignment", "right"},
                      {"columns.width", "8"}, {"description", "CPU usage percentage of the eBPF program"}}},
        {"cpuUsageRelative", {{"columns.alias", "%RELCPU"}, {"columns.precision", "2"}, {"columns.alignment", "right"},
                              {"columns.width", "8"}, {"description", "CPU usage relative to the number of available CPUs"}}},
        {"cpuTimeStr", {{"columns.alias", "TIME+"}, {"columns.alignment", "right"}, {"columns.width", "12"},
                        {"description", "Total CPU time formatted as duration"}}},
        {"runtime", {{"columns.width", "12"}, {"columns.alignment", "right"},
                     {"description", "Time that the eBPF program has run in nanoseconds"}}},
        {"runcount", {{"columns.width", "12"}, {"columns.alignment", "right"},
                      {"description", "Number of times the eBPF program has run"}}},
        {"mapMemory", {{"columns.width", "12"}, {"columns.alignment", "right"}, {"metrics.type", "gauge"},
                       {"description", "Memory used by maps in bytes"}}},
        {"mapCount", {{"columns.width", "5"}, {"columns.alignment", "right"}, {"metrics.type", "gauge"},
                      {"description", "Number of maps used by the eBPF program"}}},
        {"comms", {{"columns.width", "16"}, {"description", "List of processes using the eBPF program"}}},
        {"pids", {{"columns.width", "16"}, {"description", "List of PIDs using the eBPF program"}}},
    };
    return kDefaults;
  }

  void write(fields::RecordWriter& out, const stats::BpfProgramSample& p) const {
    out.clear();
    out.put<uint32_t>(prog_id, p.id);
    out.put_string(prog_name, 16, p.name);
    out.put_string(prog_type, 32, p.type);
    out.put<double>(cpu_usage, p.cpu_usage);
    out.put<double>(cpu_usage_relative, p.cpu_usage_relative);
    std::string total;
    format::append_go_duration(total, p.total_runtime);
    out.put_string(cpu_time_str, 32, total);
    out.put<uint64_t>(runtime, p.runtime);
    out.put<uint64_t>(runcount, p.runcount);
    out.put<uint64_t>(map_memory, p.map_memory);
    out.put<uint64_t>(map_count, p.map_count);
    out.put_string(comms, 256, p.comms);
    out.put_string(pids, 256, p.pids);
  }
};

// Upstream's eBPF operator statistics (gadget.yaml `operator.ebpf.emitstats: true`, as
// bpfstats): every program on the host as the array data source "bpfstats", each
// --statistics-interval (default 1000ms). The gadget columns stay empty: no other gadget
// instance runs in this ig process, so --gadgets-only lists nothing.
class BpfStatsOperator : public GadgetOperator {
 public:
  std::string_view name() const override { return "bpfstats"; }

  void instantiate(GadgetInstance& instance) override {
    const PreparedGadget& g = instance.gadget();
    const auto settings = stats::operator_settings(g.image.metadata_yaml, "ebpf", g.custom_values);
    if (auto it = settings.find("emitstats"); it == settings.end() || it->second != "true") return;
    const std::string interval = take_flag(instance.gadget_args(), "statistics-interval").value_or("1000ms");
    const auto parsed = parse_go_duration(interval);
    if (!parsed || parsed->count() <= 0) {
      throw Error(ErrorCode::InvalidArgument, "--statistics-interval: invalid duration \"" + interval + "\"");
    }
    interval_ = *parsed;
    bool gadgets_only = false;
    if (auto flag = take_flag(instance.gadget_args(), "gadgets-only"); flag && !parse_bool(*flag, gadgets_only)) {
      throw Error(ErrorCode::InvalidArgument, "--gadgets-only: invalid bool \"" + *flag + "\"");
    }
    gadgets_only_ = gadgets_only;
    pipeline_ = &declare_array_source(instance, "bpfstats", record_.layout, ProgramRecord::defaults());
  }

  void start(GadgetInstance& instance) override {
    if (!pipeline_) return;
    instance.enrich_without_program();
    table_ = std::make_unique<stats::BpfProgramTable>();
    table_->read(0);  // the baseline the first interval's run times count from
    next_ = Clock::now() + interval_;
  }

  Clock::time_point tick(GadgetInstance&, Clock::time_point now) override {
    if (!pipeline_) return kNever;
    if (now >= next_) {
      emit();
      next_ = now + interval_;
    }
    return next_;
  }

  bool has_work() const override { return pipeline_ != nullptr; }
  void stop(GadgetInstance&) override { table_.reset(); }  // statistics off again

 private:
  void emit() {
    fields::RecordWriter record(record_.layout.size());
    const auto programs = table_->read(static_cast<uint64_t>(interval_.count()));
    pipeline_->begin_batch();
    for (const auto& p : programs) {
      if (gadgets_only_) break;
      record_.write(record, p);
      pipeline_->handle(record.data(), record.size());
    }
    pipeline_->end_batch();
  }

  ProgramRecord record_;
  std::unique_ptr<stats::BpfProgramTable> table_;
  EventPipeline* pipeline_ = nullptr;
  std::chrono::nanoseconds interval_{};
  bool gadgets_only_ = false;
  Clock::time_point next_{};
};

}  // namespace

namespace operators {
std::unique_ptr<GadgetOperator> make_bpfstats_operator() {
  return std::make_unique<BpfStatsOperator>();
}
}  // namespace operators

}  // namespace ig::runner
