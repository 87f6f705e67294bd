// What upstream's bpfstats reports for each eBPF program loaded on the host: run time and run
// count over the last interval (the kernel counts them while BPF stats are enabled), memory
// of its maps (their fdinfo memlock), and the processes holding it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "util/unique_fd.hpp"

namespace ig::runner::stats {

struct BpfProgramSample {
  uint32_t id = 0;
  std::string name;
  std::string type;          // cilium/ebpf's names: "Kprobe", "TracePoint", "SocketFilter", ...
  uint64_t runtime = 0;      // ns run since the previous read
  uint64_t runcount = 0;     // runs since the previous read
  uint64_t total_runtime = 0;
  uint64_t map_memory = 0;   // bytes
  uint64_t map_count = 0;
  double cpu_usage = 0;      // runtime over the interval, percent of one CPU
  double cpu_usage_relative = 0;
  std::string comms;  // "a,b" of the processes holding it
  std::string pids;
};

// The name cilium/ebpf gives BPF program type `type` (its ProgramType.String()).
std::string program_type_name(uint32_t type);

class BpfProgramTable {
 public:
  // Turns the kernel's run-time statistics on (BPF_ENABLE_STATS, else the sysctl) for as long
  // as the table lives. Throws Error(Kernel) when neither works.
  BpfProgramTable();
  ~BpfProgramTable();
  BpfProgramTable(const BpfProgramTable&) = delete;
  BpfProgramTable& operator=(const BpfProgramTable&) = delete;

  // Every program; usage is relative to `interval_ns`, the time since the previous read.
  std::vector<BpfProgramSample> read(uint64_t interval_ns);

 private:
  UniqueFd stats_fd_;
  bool sysctl_enabled_ = false;  // set by us: restored at the end
  std::map<uint32_t, std::pair<uint64_t, uint64_t>> last_;  // id -> runtime, runcount
};

}  // namespace ig::runner::stats
