// --collect-ustack in user space (spec ig-compat.md §5.4): reads a stack from ig_ustack and
// turns it into the `addresses` and `symbols` strings. Runs in the ring-buffer callback, so the
// process is usually still alive: its mappings are read then (and cached per process image).
// When it is gone, the mappings the BPF side recorded at event time stand in. Each mapped
// file's symbol table is cached per (device, inode, mtime).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "runner/ustack/elf_symbols.hpp"
#include "runner/ustack/kernel_mappings.hpp"
#include "runner/ustack/mapping.hpp"

namespace ig::runner::ustack {

struct StackRef {
  uint32_t stack_id = 0;
  uint32_t tgid = 0;            // host pid of the process (tgid_level0)
  uint64_t inode = 0;           // 0: collection was off for this event
  uint32_t base_addr_hash = 0;  // changes with every exec
};

// Parses /proc/PID/maps text; keeps file-backed mappings only.
std::vector<Mapping> parse_maps(const std::string& text);

class Symbolizer {
 public:
  // `stack_map_fd`: ig_ustack; `build_id_map_fd`: ig_build_id or -1. `proc_root` is "/proc".
  Symbolizer(int stack_map_fd, int build_id_map_fd, KernelMappings recorded,
             std::string proc_root = "/proc");

  // Fills the three strings (cleared first); all stay empty when inode == 0 or the stack is
  // missing. Unresolved frames appear as "0x<addr>" in `symbols`.
  void resolve(const StackRef& ref, std::string& addresses, std::string& symbols,
               std::string& build_ids);

  // Symbolizes already-read frame addresses of process `tgid` (exposed for tests).
  void symbolize(uint32_t tgid, uint32_t base_addr_hash, const std::vector<uint64_t>& frames,
                 std::string& symbols);

 private:
  struct ProcessMaps {
    uint32_t base_addr_hash = 0;
    std::vector<Mapping> mappings;
    // Exited, and the kernel's records merged: nothing more will be learnt about this image
    // (every record of it was written before its events, so before it exited).
    bool settled = false;
  };
  using FileKey = std::tuple<uint64_t, uint64_t, int64_t, int64_t>;  // dev, inode, mtime s/ns

  const ProcessMaps* maps_for(uint32_t tgid, uint32_t base_addr_hash, uint64_t address);
  const ElfSymbols* symbols_for(uint32_t tgid, const Mapping& mapping);

  int stack_fd_;
  int build_id_fd_;
  KernelMappings recorded_;
  std::string proc_root_;
  std::map<uint32_t, ProcessMaps> processes_;  // tgid -> maps of its current image
  std::map<FileKey, std::unique_ptr<ElfSymbols>> files_;
  // Recorded files no mount shows (a removed container's private tmpfs): not looked for again.
  std::set<FileKey> unreachable_;
  size_t cached_symbols_ = 0;  // in files_
  // (tgid, start) -> file key, so a process that exited still finds the files it mapped.
  std::map<std::pair<uint32_t, uint64_t>, FileKey> mapped_files_;
};

}  // namespace ig::runner::ustack
