// A file-backed range of a process's address space, from /proc/PID/maps or recorded by the
// BPF side at event time.
#pragma once

#include <cstdint>
#include <string>

namespace ig::runner::ustack {

struct Mapping {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t offset = 0;  // file offset of `start`
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  uint64_t inode = 0;
  std::string path;  // /proc: as the process sees it; empty when recorded by the kernel
  // Recorded by the kernel: the file's mtime, to tell it from a file reusing its inode.
  bool recorded = false;
  int64_t mtime_sec = 0;
  uint32_t mtime_nsec = 0;
};

}  // namespace ig::runner::ustack
