#include "runner/ustack/kernel_mappings.hpp"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "runner/ustack/file_open.hpp"

namespace ig::runner::ustack {
namespace {

// The BPF side's layouts (include/gadget/user_stack_map.h).
constexpr size_t kPathSize = 512;  // GADGET_USTACK_PATH_SIZE

struct RecordedMappingKey {
  uint32_t tgid;
  uint32_t base_addr_hash;
  uint64_t vm_start;
};

struct RecordedFileKey {
  uint32_t dev;  // kernel encoding: 12-bit major above a 20-bit minor
  uint32_t mtime_nsec;
  uint64_t inode;
  uint64_t mtime_sec;
};

struct RecordedMapping {
  uint64_t vm_end;
  uint64_t vm_pgoff;
  RecordedFileKey file;
};

struct RecordedFile {
  uint32_t path_start;
  uint32_t complete;
  char path[2 * kPathSize];
};

static_assert(sizeof(RecordedMappingKey) == 16 && sizeof(RecordedFileKey) == 24 &&
              sizeof(RecordedMapping) == 40 && sizeof(RecordedFile) == 1032);

// The map when its key and value are the layouts above, else -1: an image built with another
// version of the header is treated as one without recordings.
int checked_map(int fd, size_t key_size, size_t value_size) {
  if (fd < 0) return -1;
  struct bpf_map_info info = {};
  uint32_t length = sizeof info;
  if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0) return -1;
  return info.key_size == key_size && info.value_size == value_size ? fd : -1;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& field) {
  const auto octal = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && octal(field[i + 1]) && octal(field[i + 2]) &&
        octal(field[i + 3])) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                               (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

}  // namespace

std::vector<Mount> parse_mountinfo(const std::string& text) {
  std::vector<Mount> mounts;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point;
    if (!(fields >> id >> parent >> dev >> root >> mount_point)) continue;
    Mount m;
    if (std::sscanf(dev.c_str(), "%u:%u", &m.dev_major, &m.dev_minor) != 2) continue;
    m.root = unescape(root);
    m.mount_point = unescape(mount_point);
    mounts.push_back(std::move(m));
  }
  return mounts;
}

std::vector<std::string> paths_through_mounts(const std::vector<Mount>& mounts, uint32_t dev_major,
                                              uint32_t dev_minor, std::string_view fs_path) {
  std::vector<std::string> paths;
  for (const Mount& m : mounts) {
    if (m.dev_major != dev_major || m.dev_minor != dev_minor) continue;
    std::string_view root = m.root == "/" ? std::string_view() : std::string_view(m.root);
    if (fs_path.substr(0, root.size()) != root) continue;
    std::string_view rest = fs_path.substr(root.size());
    if (rest.empty() || rest.front() != '/') continue;  // "/a/bc" is not under "/a/b"
    std::string path = m.mount_point == "/" ? std::string() : m.mount_point;
    path += rest;
    paths.push_back(std::move(path));
  }
  return paths;
}

KernelMappings::KernelMappings(int mappings_fd, int files_fd, std::string mountinfo_path)
    : mappings_fd_(checked_map(mappings_fd, sizeof(RecordedMappingKey), sizeof(RecordedMapping))),
      files_fd_(checked_map(files_fd, sizeof(RecordedFileKey), sizeof(RecordedFile))),
      mountinfo_path_(std::move(mountinfo_path)) {}

std::vector<Mapping> KernelMappings::mappings(uint32_t tgid, uint32_t base_addr_hash) const {
  std::vector<Mapping> out;
  if (mappings_fd_ < 0) return out;
  const uint64_t page_size = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  RecordedMappingKey key{};
  RecordedMappingKey next{};
  const void* previous = nullptr;  // NULL: start from the first key
  while (bpf_map_get_next_key(mappings_fd_, previous, &next) == 0) {
    key = next;
    previous = &key;
    if (key.tgid != tgid || key.base_addr_hash != base_addr_hash) continue;
    RecordedMapping value{};
    if (bpf_map_lookup_elem(mappings_fd_, &key, &value) != 0) continue;  // evicted meanwhile
    Mapping m;
    m.start = key.vm_start;
    m.end = value.vm_end;
    m.offset = value.vm_pgoff * page_size;
    m.dev_major = value.file.dev >> 20;
    m.dev_minor = value.file.dev & ((1U << 20) - 1);
    m.inode = value.file.inode;
    m.recorded = true;
    m.mtime_sec = static_cast<int64_t>(value.file.mtime_sec);
    m.mtime_nsec = value.file.mtime_nsec;
    out.push_back(std::move(m));
  }
  return out;
}

int KernelMappings::open_file(const Mapping& mapping) {
  if (files_fd_ < 0 || !mapping.recorded) return -1;
  RecordedFileKey key{};
  key.dev = mapping.dev_major << 20 | mapping.dev_minor;
  key.mtime_nsec = mapping.mtime_nsec;
  key.inode = mapping.inode;
  key.mtime_sec = static_cast<uint64_t>(mapping.mtime_sec);
  RecordedFile file{};
  if (bpf_map_lookup_elem(files_fd_, &key, &file) != 0 || !file.complete ||
      file.path_start >= kPathSize) {
    return -1;
  }
  const std::string_view fs_path(file.path + file.path_start,
                                 strnlen(file.path + file.path_start, kPathSize - file.path_start));
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (attempt == 1 || mounts_.empty()) mounts_ = parse_mountinfo(read_text(mountinfo_path_));
    for (const std::string& path :
         paths_through_mounts(mounts_, mapping.dev_major, mapping.dev_minor, fs_path)) {
      // The recorded path has no symlinks: one met now was put there since.
      int fd = open_regular_file(AT_FDCWD, path, RESOLVE_NO_SYMLINKS);
      if (fd < 0) continue;
      struct stat st;
      if (fstat(fd, &st) == 0 && st.st_ino == mapping.inode &&
          st.st_mtim.tv_sec == mapping.mtime_sec &&
          static_cast<uint32_t>(st.st_mtim.tv_nsec) == mapping.mtime_nsec) {
        return fd;
      }
      close(fd);
    }
  }
  return -1;
}

}  // namespace ig::runner::ustack
