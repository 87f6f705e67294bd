#include "runner/stats/cgroups.hpp"
#include "runner/stats/read_text.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

namespace ig::runner::stats {
namespace {

// The "0::/path" line of /proc/PID/cgroup: the process's cgroup v2 group.
std::string v2_group(const std::string& cgroup_file) {
  std::istringstream lines(cgroup_file);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  }
  return "";
}

bool read_limit(const std::string& dir, CgroupSample& c) {
  std::istringstream max(read_text(dir + "/cpu.max"));
  std::string quota;
  if (!(max >> quota >> c.period_usec) || quota == "max") return false;
  c.quota_usec = std::strtoll(quota.c_str(), nullptr, 10);
  std::istringstream stat(read_text(dir + "/cpu.stat"));
  std::string key;
  uint64_t value = 0;
  while (stat >> key >> value) {
    if (key == "nr_periods") c.nr_periods = value;
    if (key == "nr_throttled") c.nr_throttled = value;
    if (key == "throttled_usec") c.throttled_usec = value;
  }
  // "some avg10=0.00 avg60=0.00 avg300=0.00 total=0"
  const std::string pressure = read_text(dir + "/cpu.pressure");
  if (pressure.rfind("some ", 0) == 0) {
    c.psi = true;
    if (auto at = pressure.find("avg10="); at != std::string::npos) c.psi_some_avg10 = std::strtod(pressure.c_str() + at + 6, nullptr);
    if (auto at = pressure.find("avg60="); at != std::string::npos) c.psi_some_avg60 = std::strtod(pressure.c_str() + at + 6, nullptr);
  }
  return true;
}

}  // namespace

std::string cgroup2_mount(const std::string& mountinfo) {
  std::istringstream lines(mountinfo);
  std::string line;
  while (std::getline(lines, line)) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
    const auto dash = line.find(" - ");
    if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount;
    fields >> id >> parent >> dev >> root >> mount;
    if (root == "/") return mount;
  }
  return "";
}

std::vector<CgroupSample> limited_cgroups(const std::string& proc_root, const std::string& mount) {
  std::map<std::string, int> groups;  // group -> a process in it
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(proc_root, ec)) {
    const std::string name = entry.path().filename();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string group = v2_group(read_text(entry.path() / "cgroup"));
    if (!group.empty()) groups.try_emplace(group, std::stoi(name));
  }
  std::vector<CgroupSample> out;
  for (const auto& [group, pid] : groups) {
    CgroupSample c;
    c.path = group;
    if (!read_limit(mount + (group == "/" ? "" : group), c)) continue;
    struct stat ns = {};
    if (::stat((proc_root + "/" + std::to_string(pid) + "/ns/mnt").c_str(), &ns) == 0) c.mntns = ns.st_ino;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace ig::runner::stats
