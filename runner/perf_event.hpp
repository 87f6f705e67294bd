// perf_event programs (SEC("perf_event/NAME")): what gadget.yaml's programs.NAME.perf and
// .sampler ask for (upstream's names: type "software", config "count_sw_cpu_clock",
// sampleType "sample_raw", sampler frequency or period), opened on every online CPU.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "util/unique_fd.hpp"

namespace ig::runner {

struct PerfSampler {
  uint32_t type = 1;    // PERF_TYPE_SOFTWARE
  uint64_t config = 0;  // PERF_COUNT_SW_CPU_CLOCK
  uint64_t sample_type = 0;
  uint64_t frequency = 0;  // samples per second; 0: every `period` events
  uint64_t period = 0;
};

// programs.<name>.perf/sampler of gadget.yaml, by program section suffix. Throws
// Error(InvalidArgument) naming the key for an unknown type, config or sample type.
std::map<std::string, PerfSampler> perf_samplers(const std::string& gadget_yaml);

// One perf event per online CPU. Throws Error naming the CPU when the kernel refuses one.
std::vector<UniqueFd> open_perf_events(const PerfSampler& sampler);

}  // namespace ig::runner
