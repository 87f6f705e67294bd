#include "runner/perf_event.hpp"

#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "util/error.hpp"

namespace ig::runner {
namespace {

uint64_t lookup(const std::map<std::string, uint64_t>& names, const YAML::Node& node,
                const std::string& key, uint64_t fallback) {
  if (!node || node.IsNull()) return fallback;
  const std::string text = node.as<std::string>();
  const auto it = names.find(text);
  if (it == names.end()) {
    throw Error(ErrorCode::InvalidArgument,
                "gadget.yaml: " + key + ": unknown value \"" + text + "\"");
  }
  return it->second;
}

const std::map<std::string, uint64_t> kTypes = {{"hardware", PERF_TYPE_HARDWARE},
                                                {"software", PERF_TYPE_SOFTWARE},
                                                {"tracepoint", PERF_TYPE_TRACEPOINT},
                                                {"hw_cache", PERF_TYPE_HW_CACHE},
                                                {"raw", PERF_TYPE_RAW},
                                                {"breakpoint", PERF_TYPE_BREAKPOINT}};

const std::map<std::string, uint64_t> kConfigs = {
    {"count_sw_cpu_clock", PERF_COUNT_SW_CPU_CLOCK},
    {"count_sw_task_clock", PERF_COUNT_SW_TASK_CLOCK},
    {"count_sw_page_faults", PERF_COUNT_SW_PAGE_FAULTS},
    {"count_sw_context_switches", PERF_COUNT_SW_CONTEXT_SWITCHES},
    {"count_sw_cpu_migrations", PERF_COUNT_SW_CPU_MIGRATIONS},
    {"count_hw_cpu_cycles", PERF_COUNT_HW_CPU_CYCLES},
    {"count_hw_instructions", PERF_COUNT_HW_INSTRUCTIONS},
    {"count_hw_cache_misses", PERF_COUNT_HW_CACHE_MISSES},
    {"count_hw_branch_misses", PERF_COUNT_HW_BRANCH_MISSES}};

const std::map<std::string, uint64_t> kSampleTypes = {{"sample_raw", PERF_SAMPLE_RAW},
                                                      {"sample_ip", PERF_SAMPLE_IP},
                                                      {"sample_tid", PERF_SAMPLE_TID},
                                                      {"sample_time", PERF_SAMPLE_TIME},
                                                      {"sample_callchain", PERF_SAMPLE_CALLCHAIN},
                                                      {"sample_cpu", PERF_SAMPLE_CPU}};

// "0-3,5" from /sys/devices/system/cpu/online.
std::vector<int> online_cpus() {
  std::ifstream in("/sys/devices/system/cpu/online");
  std::string text;
  std::getline(in, text);
  std::vector<int> cpus;
  size_t at = 0;
  while (at < text.size()) {
    size_t comma = text.find(',', at);
    if (comma == std::string::npos) comma = text.size();
    const std::string range = text.substr(at, comma - at);
    const size_t dash = range.find('-');
    const int first = std::stoi(range.substr(0, dash));
    const int last = dash == std::string::npos ? first : std::stoi(range.substr(dash + 1));
    for (int cpu = first; cpu <= last; ++cpu) cpus.push_back(cpu);
    at = comma + 1;
  }
  return cpus;
}

}  // namespace

std::map<std::string, PerfSampler> perf_samplers(const std::string& gadget_yaml) {
  std::map<std::string, PerfSampler> out;
  const YAML::Node programs =
      gadget_yaml.empty() ? YAML::Node() : YAML::Load(gadget_yaml)["programs"];
  if (!programs || !programs.IsMap()) return out;
  for (const auto& kv : programs) {
    const std::string name = kv.first.as<std::string>();
    const YAML::Node perf = kv.second["perf"];
    const YAML::Node sampler = kv.second["sampler"];
    if (!perf && !sampler) continue;
    const std::string key = "programs." + name;
    PerfSampler s;
    if (perf) {
      s.type = static_cast<uint32_t>(lookup(kTypes, perf["type"], key + ".perf.type", s.type));
      s.config = lookup(kConfigs, perf["config"], key + ".perf.config", s.config);
      s.sample_type = lookup(kSampleTypes, perf["sampleType"], key + ".perf.sampleType", 0);
    }
    if (sampler && sampler["frequency"]) s.frequency = sampler["frequency"].as<uint64_t>();
    if (sampler && sampler["period"]) s.period = sampler["period"].as<uint64_t>();
    out[name] = s;
  }
  return out;
}

std::vector<UniqueFd> open_perf_events(const PerfSampler& sampler) {
  struct perf_event_attr attr = {};
  attr.size = sizeof attr;
  attr.type = sampler.type;
  attr.config = sampler.config;
  attr.sample_type = sampler.sample_type;
  if (sampler.frequency > 0) {
    attr.freq = 1;
    attr.sample_freq = sampler.frequency;
  } else {
    attr.sample_period = sampler.period > 0 ? sampler.period : 1;
  }
  std::vector<UniqueFd> fds;
  for (int cpu : online_cpus()) {
    UniqueFd fd(
        static_cast<int>(::syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC)));
    if (fd.get() < 0) {
      throw Error(ErrorCode::Unsupported, "perf_event_open on CPU " + std::to_string(cpu) +
                                              " failed: " + std::strerror(errno));
    }
    fds.push_back(std::move(fd));
  }
  return fds;
}

}  // namespace ig::runner
