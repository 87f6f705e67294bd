#include "runner/stats/bpf_programs.hpp"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/error.hpp"

namespace ig::runner::stats {
namespace {

constexpr char kStatsSysctl[] = "/proc/sys/kernel/bpf_stats_enabled";

uint64_t fdinfo_number(int fd, const std::string& key) {
  std::ifstream in("/proc/self/fdinfo/" + std::to_string(fd));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::strtoull(line.c_str() + key.size(), nullptr, 10);
  }
  return 0;
}

// map id -> its memlock bytes, for every map on the host.
std::map<uint32_t, uint64_t> map_memory() {
  std::map<uint32_t, uint64_t> sizes;
  for (uint32_t id = 0; bpf_map_get_next_id(id, &id) == 0;) {
    UniqueFd fd(bpf_map_get_fd_by_id(id));
    if (fd.get() >= 0) sizes[id] = fdinfo_number(fd.get(), "memlock:");
  }
  return sizes;
}

// program id -> the processes holding an fd of it, from every process's fdinfo.
std::map<uint32_t, std::vector<std::pair<std::string, int>>> program_holders() {
  std::map<uint32_t, std::vector<std::pair<std::string, int>>> holders;
  std::error_code ec;
  for (const auto& proc : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = proc.path().filename();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int pid = std::stoi(name);
    if (pid == getpid()) continue;  // ig's own descriptors are the ones reading
    std::string comm;
    std::error_code inner;
    for (const auto& info : std::filesystem::directory_iterator(proc.path() / "fdinfo", inner)) {
      std::ifstream in(info.path());
      std::string line;
      while (std::getline(in, line)) {
        if (line.rfind("prog_id:", 0) != 0) continue;
        if (comm.empty()) std::getline(std::ifstream(proc.path() / "comm"), comm);
        auto& list = holders[static_cast<uint32_t>(std::strtoul(line.c_str() + 8, nullptr, 10))];
        if (list.empty() || list.back().second != pid) list.emplace_back(comm, pid);
      }
    }
  }
  return holders;
}

}  // namespace

std::string program_type_name(uint32_t type) {
  static const char* const kNames[] = {
      "UnspecifiedProgram", "SocketFilter", "Kprobe", "SchedCLS", "SchedACT", "TracePoint", "XDP",
      "PerfEvent", "CGroupSKB", "CGroupSock", "LWTIn", "LWTOut", "LWTXmit", "SockOps", "SkSKB",
      "CGroupDevice", "SkMsg", "RawTracepoint", "CGroupSockAddr", "LWTSeg6Local", "LircMode2",
      "SkReuseport", "FlowDissector", "CGroupSysctl", "RawTracepointWritable", "CGroupSockopt",
      "Tracing", "StructOps", "Extension", "LSM", "SkLookup", "Syscall", "Netfilter"};
  if (type < sizeof kNames / sizeof kNames[0]) return kNames[type];
  return "ProgramType(" + std::to_string(type) + ")";
}

BpfProgramTable::BpfProgramTable() : stats_fd_(bpf_enable_stats(BPF_STATS_RUN_TIME)) {
  if (stats_fd_.get() >= 0) return;
  const int enable_errno = errno;
  std::ofstream sysctl(kStatsSysctl);
  sysctl << "1";
  sysctl.close();
  if (!sysctl) {
    throw Error(ErrorCode::Kernel, std::string("cannot enable BPF statistics: BPF_ENABLE_STATS: ") +
                                       std::strerror(enable_errno) + ", and " + kStatsSysctl + " is not writable");
  }
  sysctl_enabled_ = true;
}

BpfProgramTable::~BpfProgramTable() {
  if (sysctl_enabled_) std::ofstream(kStatsSysctl) << "0";
}

std::vector<BpfProgramSample> BpfProgramTable::read(uint64_t interval_ns) {
  const auto sizes = map_memory();
  const auto holders = program_holders();
  const long cpus = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  std::map<uint32_t, std::pair<uint64_t, uint64_t>> now;
  std::vector<BpfProgramSample> programs;
  for (uint32_t id = 0; bpf_prog_get_next_id(id, &id) == 0;) {
    UniqueFd fd(bpf_prog_get_fd_by_id(id));
    if (fd.get() < 0) continue;  // gone meanwhile
    std::vector<uint32_t> map_ids(64);
    struct bpf_prog_info info = {};
    info.nr_map_ids = static_cast<uint32_t>(map_ids.size());
    info.map_ids = reinterpret_cast<uint64_t>(map_ids.data());
    uint32_t size = sizeof info;
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &size) != 0) continue;
    BpfProgramSample p;
    p.id = id;
    p.name = info.name;
    p.type = program_type_name(info.type);
    p.total_runtime = info.run_time_ns;
    const auto last = last_.count(id) != 0 ? last_[id] : std::pair<uint64_t, uint64_t>{0, 0};
    p.runtime = info.run_time_ns - std::min<uint64_t>(last.first, info.run_time_ns);
    p.runcount = info.run_cnt - std::min<uint64_t>(last.second, info.run_cnt);
    now[id] = {info.run_time_ns, info.run_cnt};
    if (interval_ns > 0) p.cpu_usage = static_cast<double>(p.runtime) / static_cast<double>(interval_ns) * 100.0;
    p.cpu_usage_relative = p.cpu_usage / static_cast<double>(cpus);
    for (uint32_t i = 0; i < std::min<uint32_t>(info.nr_map_ids, static_cast<uint32_t>(map_ids.size())); ++i) {
      const auto it = sizes.find(map_ids[i]);
      p.map_memory += it == sizes.end() ? 0 : it->second;
      ++p.map_count;
    }
    if (const auto it = holders.find(id); it != holders.end()) {
      for (const auto& [comm, pid] : it->second) {
        p.comms += (p.comms.empty() ? "" : ",") + comm;
        p.pids += (p.pids.empty() ? "" : ",") + std::to_string(pid);
      }
    }
    programs.push_back(std::move(p));
  }
  last_ = std::move(now);
  return programs;
}

}  // namespace ig::runner::stats
