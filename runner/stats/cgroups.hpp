// What upstream's cgroup operator reports (top_cpu_throttle): each cgroup v2 group with a CPU
// bandwidth limit that one of the host's processes is in: cpu.stat's throttling counters,
// cpu.max, and cpu.pressure when the kernel has PSI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ig::runner::stats {

struct CgroupSample {
  std::string path;  // as /proc/PID/cgroup names it ("/igthrottle")
  uint64_t nr_periods = 0;
  uint64_t nr_throttled = 0;
  uint64_t throttled_usec = 0;
  int64_t quota_usec = -1;  // -1: "max", no limit
  uint64_t period_usec = 0;
  bool psi = false;
  double psi_some_avg10 = 0;
  double psi_some_avg60 = 0;
  uint64_t mntns = 0;  // of a process in the group
};

// The cgroup2 mount point in `mountinfo` text, or "" when none is mounted.
std::string cgroup2_mount(const std::string& mountinfo);

// Every limited cgroup v2 group of a process under `proc_root`, read through `mount`.
std::vector<CgroupSample> limited_cgroups(const std::string& proc_root, const std::string& mount);

}  // namespace ig::runner::stats
