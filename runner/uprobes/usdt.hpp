// USDT probes (SystemTap SDT notes, <sys/sdt.h>) as upstream attaches them: a uprobe at the
// probe's location, with the kernel keeping its semaphore counted (SEC("usdt/lib:provider:name")).
// Upstream gadgets read no USDT arguments through libbpf's usdt.bpf.h, so nothing else is due.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ig::runner::uprobes {

struct UsdtLocation {
  uint64_t offset = 0;     // file offset of the probe's instruction
  uint64_t semaphore = 0;  // file offset of its semaphore; 0 when it has none
};

// The locations of probe `provider`:`name` in the ELF file open at `fd` (empty when it has no
// such probe). Throws Error(InvalidArgument) when the file is not ELF.
std::vector<UsdtLocation> find_usdt(int fd, const std::string& provider, const std::string& name);

}  // namespace ig::runner::uprobes
