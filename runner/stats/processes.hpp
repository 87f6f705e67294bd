// What upstream's process operator reports for each process (top_process): read from
// /proc/PID/status and /proc/PID/stat, CPU usage over the time since the previous read.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ig::runner::stats {

struct ProcessSample {
  int32_t pid = 0;
  int32_t ppid = 0;
  std::string comm;
  int8_t priority = 0;
  int8_t nice = 0;
  double cpu_usage = 0;           // percent of one CPU since the previous read
  double cpu_usage_relative = 0;  // cpu_usage over the number of online CPUs
  uint64_t cpu_time = 0;          // utime + stime, clock ticks
  uint64_t memory_rss = 0;        // bytes
  uint64_t memory_virtual = 0;
  uint64_t memory_shared = 0;  // RssShmem + RssFile
  double memory_relative = 0;  // percent of MemTotal
  int32_t threads = 0;
  std::string state;  // "R", "S", ...
  uint32_t uid = 0;
  uint64_t start_ticks = 0;  // clock ticks after boot
  int64_t start_unix_ns = 0;
  uint64_t mntns = 0;
};

// "M:SS.mmm" of `ticks` (1/100 s), as upstream's cpuTimeStr.
std::string cpu_time_text(uint64_t ticks);

class ProcessTable {
 public:
  explicit ProcessTable(std::string proc_root = "/proc");
  // Every process readable now (ones that exit meanwhile are skipped).
  std::vector<ProcessSample> read();

 private:
  using Clock = std::chrono::steady_clock;
  bool read_one(int pid, double elapsed_seconds, ProcessSample& out) const;

  std::string root_;
  int64_t boot_unix_ns_ = 0;
  uint64_t total_memory_ = 0;
  long cpus_ = 1;
  std::map<int, uint64_t> last_cpu_time_;
  Clock::time_point last_read_{};
};

}  // namespace ig::runner::stats
