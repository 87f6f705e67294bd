#include "runner/uprobes/library.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

namespace ig::runner::uprobes {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kNewMagic = "glibc-ld.so.cache1.1";
constexpr size_t kNewHeaderSize = 48;  // magic, nlibs, len_strings, flags, pads, extension
constexpr size_t kNewEntrySize = 24;   // flags, key, value, osversion, hwcap

// ld.so.cache entry flags: the libc6 ELF type and, for 64-bit libraries, the architecture.
constexpr int32_t kTypeMask = 0x00ff;
constexpr int32_t kElfLibc6 = 0x0003;
constexpr int32_t kArchMask = 0xff00;
#if defined(__x86_64__)
constexpr int32_t kHostArch = 0x0300;
#elif defined(__aarch64__)
constexpr int32_t kHostArch = 0x0a00;
#else
constexpr int32_t kHostArch = -1;
#endif

template <typename T>
T read_at(std::string_view bytes, size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof value);
  return value;
}

// The NUL-terminated string at `offset` of `table`, empty when out of range.
std::string string_at(std::string_view table, uint32_t offset) {
  if (offset >= table.size()) return {};
  const size_t end = table.find('\0', offset);
  return std::string(table.substr(offset, end == std::string_view::npos ? end : end - offset));
}

// Up to `limit` bytes of `fd`'s file.
std::string read_fd(const UniqueFd& fd, size_t limit) {
  std::string out;
  char buffer[65536];
  ssize_t n = 0;
  while (fd.get() >= 0 && out.size() < limit && (n = ::read(fd.get(), buffer, sizeof buffer)) > 0)
    out.append(buffer, static_cast<size_t>(n));
  return out;
}

}  // namespace

std::vector<CacheEntry> parse_ld_so_cache(std::string_view bytes) {
  std::vector<CacheEntry> out;
  const size_t start = bytes.find(kNewMagic);
  if (start == std::string_view::npos || bytes.size() - start < kNewHeaderSize) return out;
  // Offsets in the new format count from its header.
  const std::string_view cache = bytes.substr(start);
  const uint32_t count = read_at<uint32_t>(cache, kNewMagic.size());
  if (count > (cache.size() - kNewHeaderSize) / kNewEntrySize) return out;
  for (uint32_t i = 0; i < count; ++i) {
    const size_t at = kNewHeaderSize + size_t{i} * kNewEntrySize;
    const int32_t flags = read_at<int32_t>(cache, at);
    if ((flags & kTypeMask) != kElfLibc6 || (flags & kArchMask) != kHostArch) continue;
    CacheEntry entry{string_at(cache, read_at<uint32_t>(cache, at + 4)),
                     string_at(cache, read_at<uint32_t>(cache, at + 8))};
    if (!entry.soname.empty() && !entry.path.empty()) out.push_back(std::move(entry));
  }
  return out;
}

std::optional<std::string> find_library(const fs::path& root, std::string_view name) {
  const std::string prefix = std::string(name) + ".so";
  const auto matches = [&prefix](const std::string& soname) {
    return soname.starts_with(prefix) &&
           (soname.size() == prefix.size() || soname[prefix.size()] == '.');
  };
  const std::string cache = read_fd(open_in_root(root, "/etc/ld.so.cache"), 16 << 20);
  for (const auto& entry : parse_ld_so_cache(cache)) {
    if (matches(entry.soname) && open_in_root(root, entry.path).get() >= 0) return entry.path;
  }
  // No cache (static images, musl): where loaders look by default.
  for (const char* dir :
       {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"}) {
    std::error_code ec;
    for (const auto& file : fs::directory_iterator(root / fs::path(dir).relative_path(), ec)) {
      const std::string soname = file.path().filename().string();
      if (matches(soname)) return std::string(dir) + "/" + soname;
    }
  }
  return std::nullopt;
}

UniqueFd open_in_root(const fs::path& root, const std::string& path) {
  UniqueFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root_fd.get() < 0) return UniqueFd();
  struct open_how how = {};
  how.flags = O_RDONLY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT;
  const std::string relative = fs::path(path).relative_path().string();
  return UniqueFd(
      static_cast<int>(::syscall(SYS_openat2, root_fd.get(), relative.c_str(), &how, sizeof how)));
}

}  // namespace ig::runner::uprobes
