// Where a shared library named as upstream's uprobe sections name it ("libc" in
// SEC("uprobe/libc:malloc")) is inside one root file system: the host's ("/") or a
// container's ("/proc/PID/root"), from that root's own ld.so.cache, as its dynamic loader
// would find it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/unique_fd.hpp"

namespace ig::runner::uprobes {

// The libraries in an ld.so.cache (glibc's "glibc-ld.so.cache1.1" format, alone or after the
// old one) for this machine's architecture: soname -> path, in cache order (preferred first).
struct CacheEntry {
  std::string soname;  // "libc.so.6"
  std::string path;    // "/lib/x86_64-linux-gnu/libc.so.6", inside the root
};
std::vector<CacheEntry> parse_ld_so_cache(std::string_view bytes);

// The library whose soname is `name` + ".so" (+ version) in `root`: its cache entry first,
// else the usual library directories. The path is inside `root` (absolute for its loader).
std::optional<std::string> find_library(const std::filesystem::path& root, std::string_view name);

// Opens `path` as seen from `root`, symbolic links resolved inside `root` (a container's
// absolute links do not lead into the host). Invalid fd when it does not exist.
UniqueFd open_in_root(const std::filesystem::path& root, const std::string& path);

}  // namespace ig::runner::uprobes
