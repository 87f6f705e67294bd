#include "runner/stats/processes.hpp"
#include "runner/stats/read_text.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace ig::runner::stats {
namespace {

// Linux reports /proc times in USER_HZ, 100 on every architecture ig supports.
constexpr double kTicksPerSecond = 100;

uint64_t number_after(const std::string& text, const std::string& prefix) {
  const auto at = text.find("\n" + prefix);
  if (at == std::string::npos) return 0;
  return std::strtoull(text.c_str() + at + 1 + prefix.size(), nullptr, 10);
}

int64_t boot_time_ns(const std::string& root) {
  const std::string stat = read_text(root + "/stat");
  const uint64_t seconds = number_after("\n" + stat, "btime ");
  return static_cast<int64_t>(seconds) * 1000000000;
}

// Status escapes some bytes of the name (\n, \\); upstream unescapes them.
std::string unescape(const std::string& name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '\\' || i + 1 == name.size()) {
      out += name[i];
      continue;
    }
    const char c = name[++i];
    switch (c) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '\\': out += '\\'; break;
      default: out += '\\'; out += c;
    }
  }
  return out;
}

std::string line_after(const std::string& text, const std::string& prefix) {
  const auto at = text.find(prefix);
  if (at == std::string::npos) return "";
  const auto start = at + prefix.size();
  return text.substr(start, text.find('\n', start) - start);
}

}  // namespace

std::string cpu_time_text(uint64_t ticks) {
  const uint64_t ms = ticks * 10;
  char text[48];
  std::snprintf(text, sizeof text, "%llu:%02llu.%03llu", static_cast<unsigned long long>(ms / 60000),
                static_cast<unsigned long long>(ms / 1000 % 60), static_cast<unsigned long long>(ms % 1000));
  return text;
}

ProcessTable::ProcessTable(std::string proc_root) : root_(std::move(proc_root)) {
  boot_unix_ns_ = boot_time_ns(root_);
}

bool ProcessTable::read_one(int pid, double elapsed, ProcessSample& p) const {
  const std::string dir = root_ + "/" + std::to_string(pid);
  const std::string status = "\n" + read_text(dir + "/status");
  const std::string stat = read_text(dir + "/stat");
  const auto close = stat.rfind(')');
  if (status.size() < 2 || close == std::string::npos) return false;  // gone meanwhile
  p.pid = pid;
  p.comm = unescape(line_after(status, "\nName:\t"));
  p.ppid = static_cast<int32_t>(number_after(status, "PPid:\t"));
  p.state = line_after(status, "\nState:\t").substr(0, 1);
  p.uid = static_cast<uint32_t>(number_after(status, "Uid:\t"));
  p.memory_virtual = number_after(status, "VmSize:\t") * 1024;
  p.memory_rss = number_after(status, "VmRSS:\t") * 1024;
  p.memory_shared = (number_after(status, "RssShmem:\t") + number_after(status, "RssFile:\t")) * 1024;
  p.threads = static_cast<int32_t>(number_after(status, "Threads:\t"));
  if (total_memory_ > 0) p.memory_relative = 100.0 * static_cast<double>(p.memory_rss) / static_cast<double>(total_memory_);
  // Fields after the name, numbered as proc_pid_stat(5): 3 is the state.
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  uint64_t utime = 0, stime = 0;
  for (int index = 3; index <= 22 && fields >> field; ++index) {
    if (index == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (index == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
    if (index == 18) p.priority = static_cast<int8_t>(std::strtol(field.c_str(), nullptr, 10));
    if (index == 19) p.nice = static_cast<int8_t>(std::strtol(field.c_str(), nullptr, 10));
    if (index == 22) p.start_ticks = std::strtoull(field.c_str(), nullptr, 10);
  }
  p.cpu_time = utime + stime;
  if (auto it = last_cpu_time_.find(pid); it != last_cpu_time_.end() && elapsed > 0) {
    const uint64_t used = p.cpu_time >= it->second ? p.cpu_time - it->second : p.cpu_time;
    p.cpu_usage = 100.0 * static_cast<double>(used) / kTicksPerSecond / elapsed;
    p.cpu_usage_relative = p.cpu_usage / static_cast<double>(cpus_);
  }
  p.start_unix_ns = boot_unix_ns_ + static_cast<int64_t>(static_cast<double>(p.start_ticks) / kTicksPerSecond * 1e9);
  struct stat ns = {};
  if (::stat((dir + "/ns/mnt").c_str(), &ns) == 0) p.mntns = ns.st_ino;
  return true;
}

std::vector<ProcessSample> ProcessTable::read() {
  const auto now = Clock::now();
  const double elapsed = last_read_ == Clock::time_point{} ? 0 : std::chrono::duration<double>(now - last_read_).count();
  last_read_ = now;
  cpus_ = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  total_memory_ = number_after("\n" + read_text(root_ + "/meminfo"), "MemTotal:") * 1024;
  std::vector<ProcessSample> processes;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root_, ec)) {
    const std::string name = entry.path().filename();
    char* end = nullptr;
    const long pid = std::strtol(name.c_str(), &end, 10);
    if (name.empty() || *end != '\0') continue;
    ProcessSample sample;
    if (read_one(static_cast<int>(pid), elapsed, sample)) processes.push_back(std::move(sample));
  }
  last_cpu_time_.clear();
  for (const auto& p : processes) last_cpu_time_[p.pid] = p.cpu_time;
  return processes;
}

}  // namespace ig::runner::stats
