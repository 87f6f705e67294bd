#include <map>

#include "runner/instance/instance.hpp"
#include "runner/instance/operator_sources.hpp"
#include "runner/instance/operators.hpp"
#include "runner/stats/cgroups.hpp"
#include "runner/stats/operator_settings.hpp"
#include "runner/stats/read_text.hpp"

namespace ig::runner {
namespace {


// One cgroup's record, with upstream's field names, kinds and column annotations; durations
// in ns for the gadget_duration formatter.
struct CgroupRecord {
  fields::RecordLayout layout{"cgroup_cpu_stats"};
  size_t path = layout.add_string("cgroupPath", 256);
  size_t nr_periods = layout.add_int("nrPeriods", 8, false);
  size_t nr_throttled = layout.add_int("nrThrottled", 8, false);
  size_t throttled_time = layout.add_int("throttledTime_raw", 8, false, "gadget_duration");
  size_t throttle_ratio = layout.add_double("throttleRatio");
  size_t quota = layout.add_int("cpuQuota_raw", 8, false, "gadget_duration");
  size_t period = layout.add_int("cpuPeriod_raw", 8, false, "gadget_duration");
  size_t limit_cores = layout.add_double("cpuLimitCores");
  size_t psi10 = layout.add_double("psiSomeAvg10");
  size_t psi60 = layout.add_double("psiSomeAvg60");
  size_t mntns = layout.add_int("mountnsid", 8, false, "gadget_mntns_id");

  static const std::map<std::string, metadata::Annotations>& defaults() {
    static const std::map<std::string, metadata::Annotations> kDefaults = {
        {"cgroupPath", {{"description", "The cgroup v2 path."}, {"columns.maxwidth", "60"}, {"columns.ellipsis", "start"}}},
        {"nrPeriods", {{"description", "Number of CFS enforcement intervals elapsed in this reporting period."},
                       {"columns.alignment", "right"}, {"columns.maxwidth", "10"}}},
        {"nrThrottled", {{"description", "Number of times the cgroup was throttled in this reporting period."},
                         {"columns.alignment", "right"}, {"columns.maxwidth", "12"}}},
        {"throttledTime", {{"description", "Total time spent throttled in this reporting period."},
                           {"columns.alignment", "right"}, {"columns.maxwidth", "14"}}},
        {"throttleRatio", {{"description", "Percentage of periods where the cgroup was throttled (0-100)."},
                           {"columns.alignment", "right"}, {"columns.precision", "2"}, {"columns.maxwidth", "8"}}},
        {"cpuQuota", {{"description", "CPU quota per CFS period."}, {"columns.alignment", "right"}, {"columns.maxwidth", "10"}}},
        {"cpuPeriod", {{"description", "CFS period length."}, {"columns.alignment", "right"}, {"columns.maxwidth", "10"},
                       {"columns.hidden", "true"}}},
        {"cpuLimitCores", {{"description", "Effective CPU core limit (quota / period)."}, {"columns.alignment", "right"},
                           {"columns.precision", "2"}, {"columns.maxwidth", "8"}}},
        {"psiSomeAvg10", {{"description", "PSI 'some' CPU pressure average over 10 seconds."},
                          {"columns.alignment", "right"}, {"columns.precision", "2"}, {"columns.maxwidth", "8"}}},
        {"psiSomeAvg60", {{"description", "PSI 'some' CPU pressure average over 60 seconds."},
                          {"columns.alignment", "right"}, {"columns.precision", "2"}, {"columns.maxwidth", "8"}}},
        {"mountnsid", {{"template", "mntns_id"}}},
    };
    return kDefaults;
  }
};

// Upstream's cgroup operator (gadget.yaml `operator.cgroup.emitstats: true`, as
// top_cpu_throttle): the array data source "cgroups", one row per CPU-limited cgroup v2 group
// that ran during the reporting period, with the period's throttling.
class CgroupOperator : public ReportingOperator {
 public:
  std::string_view name() const override { return "cgroup"; }

  void instantiate(GadgetInstance& instance) override {
    const PreparedGadget& g = instance.gadget();
    const auto settings = stats::operator_settings(g.image.metadata_yaml, "cgroup", g.custom_values);
    if (auto it = settings.find("emitstats"); it == settings.end() || it->second != "true") return;
    schedule_.emplace(settings, "cgroup", std::chrono::seconds(5));
    mount_ = stats::cgroup2_mount(stats::read_text("/proc/self/mountinfo"));
    if (mount_.empty()) instance.warn("no cgroup v2 file system is mounted: top_cpu_throttle has nothing to report");
    pipeline_ = &declare_array_source(instance, "cgroups", record_.layout, CgroupRecord::defaults());
  }

 private:
  void baseline() override { previous_ = read(); }

  std::map<std::string, stats::CgroupSample> read() const {
    std::map<std::string, stats::CgroupSample> by_path;
    if (mount_.empty()) return by_path;
    for (auto& c : stats::limited_cgroups("/proc", mount_)) by_path[c.path] = std::move(c);
    return by_path;
  }

  void report() override {
    auto current = read();
    fields::RecordWriter record(record_.layout.size());
    pipeline_->begin_batch();
    for (const auto& [path, c] : current) {
      const auto prev = previous_.find(path);
      if (prev == previous_.end()) continue;  // new: no period to compare with yet
      const auto delta = [](uint64_t now, uint64_t before) { return now >= before ? now - before : 0; };
      const uint64_t periods = delta(c.nr_periods, prev->second.nr_periods);
      const uint64_t throttled = delta(c.nr_throttled, prev->second.nr_throttled);
      if (periods == 0 && throttled == 0) continue;  // did not run
      record.clear();
      record.put_string(record_.path, 256, path);
      record.put<uint64_t>(record_.nr_periods, periods);
      record.put<uint64_t>(record_.nr_throttled, throttled);
      record.put<uint64_t>(record_.throttled_time, delta(c.throttled_usec, prev->second.throttled_usec) * 1000);
      record.put<double>(record_.throttle_ratio, periods > 0 ? 100.0 * static_cast<double>(throttled) / static_cast<double>(periods) : 0);
      record.put<uint64_t>(record_.quota, static_cast<uint64_t>(c.quota_usec) * 1000);
      record.put<uint64_t>(record_.period, c.period_usec * 1000);
      record.put<double>(record_.limit_cores, c.period_usec > 0 ? static_cast<double>(c.quota_usec) / static_cast<double>(c.period_usec) : 0);
      if (c.psi) {
        record.put<double>(record_.psi10, c.psi_some_avg10);
        record.put<double>(record_.psi60, c.psi_some_avg60);
      }
      record.put<uint64_t>(record_.mntns, c.mntns);
      pipeline_->handle(record.data(), record.size());
    }
    pipeline_->end_batch();
    previous_ = std::move(current);
  }

  CgroupRecord record_;
  std::string mount_;
  std::map<std::string, stats::CgroupSample> previous_;
};

}  // namespace

namespace operators {
std::unique_ptr<GadgetOperator> make_cgroup_operator() {
  return std::make_unique<CgroupOperator>();
}
}  // namespace operators

}  // namespace ig::runner
