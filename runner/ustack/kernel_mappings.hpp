// The mappings the BPF side recorded at event time (include/gadget/user_stack_map.h:
// ig_ustack_mappings, ig_ustack_files), for processes whose /proc/PID/maps is gone by the time
// their event is read. A recorded file is opened again through a mount of its filesystem.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runner/ustack/mapping.hpp"

namespace ig::runner::ustack {

// One line of /proc/self/mountinfo: which directory of which filesystem is mounted where.
struct Mount {
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  std::string root;         // directory of the filesystem mounted, from its root
  std::string mount_point;  // where it is mounted
};

std::vector<Mount> parse_mountinfo(const std::string& text);

// Where a file at `fs_path` (from its filesystem's root) of device major:minor can be opened,
// one candidate per mount of that filesystem that shows the file.
std::vector<std::string> paths_through_mounts(const std::vector<Mount>& mounts, uint32_t dev_major,
                                              uint32_t dev_minor, std::string_view fs_path);

class KernelMappings {
 public:
  // Either fd may be -1 (an image built without the recording maps): nothing is found then.
  KernelMappings(int mappings_fd, int files_fd, std::string mountinfo_path);

  // File-backed mappings recorded for the process image (tgid, base_addr_hash).
  std::vector<Mapping> mappings(uint32_t tgid, uint32_t base_addr_hash) const;

  // A descriptor on the recorded file of `mapping` (identity checked by inode and mtime), or -1.
  int open_file(const Mapping& mapping);

 private:
  int mappings_fd_;
  int files_fd_;
  std::string mountinfo_path_;
  std::vector<Mount> mounts_;  // re-read when no mount matches (a filesystem mounted mid-run)
};

}  // namespace ig::runner::ustack
