#include "runner/ustack/symbolizer.hpp"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "runner/ustack/file_open.hpp"

namespace ig::runner::ustack {
namespace {

constexpr size_t kMaxDepth = 127;  // GADGET_USER_MAX_STACK_DEPTH
constexpr size_t kMaxCachedSymbols = 8'000'000;
constexpr size_t kMaxProcesses = 4096;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void append_hex(std::string& out, uint64_t value, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*" PRIx64, width, value);
  out += buf;
}

}  // namespace

std::vector<Mapping> parse_maps(const std::string& text) {
  std::vector<Mapping> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    Mapping m;
    char perms[8] = {};
    unsigned dev_major = 0, dev_minor = 0;
    unsigned long long start = 0, end = 0, offset = 0, inode = 0;
    int path_at = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &offset,
                    &dev_major, &dev_minor, &inode, &path_at) < 7) {
      continue;
    }
    if (inode == 0 || path_at <= 0 || static_cast<size_t>(path_at) >= line.size()) continue;
    m.start = start;
    m.end = end;
    m.offset = offset;
    m.dev_major = dev_major;
    m.dev_minor = dev_minor;
    m.inode = inode;
    m.path = line.substr(static_cast<size_t>(path_at));
    out.push_back(std::move(m));
  }
  return out;
}

Symbolizer::Symbolizer(int stack_map_fd, int build_id_map_fd, KernelMappings recorded,
                       std::string proc_root)
    : stack_fd_(stack_map_fd),
      build_id_fd_(build_id_map_fd),
      recorded_(std::move(recorded)),
      proc_root_(std::move(proc_root)) {}

void Symbolizer::resolve(const StackRef& ref, std::string& addresses, std::string& symbols,
                         std::string& build_ids) {
  addresses.clear();
  symbols.clear();
  build_ids.clear();
  if (ref.inode == 0 || stack_fd_ < 0) return;
  uint64_t ips[kMaxDepth] = {};
  if (bpf_map_lookup_elem(stack_fd_, &ref.stack_id, ips) != 0) return;
  std::vector<uint64_t> frames;
  for (uint64_t ip : ips) {
    if (ip == 0) break;
    frames.push_back(ip);
  }
  for (uint64_t ip : frames) {
    addresses += "0x";
    append_hex(addresses, ip, 16);
    addresses += "; ";
  }
  symbolize(ref.tgid, ref.base_addr_hash, frames, symbols);

  if (build_id_fd_ >= 0) {
    struct bpf_stack_build_id ids[kMaxDepth] = {};
    if (bpf_map_lookup_elem(build_id_fd_, &ref.stack_id, ids) == 0) {
      for (const auto& id : ids) {
        if (id.status == BPF_STACK_BUILD_ID_VALID) {
          for (unsigned char b : id.build_id) append_hex(build_ids, b, 2);
          build_ids += " +";
          append_hex(build_ids, id.offset, 0);
          build_ids += "; ";
        } else if (id.status == BPF_STACK_BUILD_ID_IP && id.ip != 0) {
          append_hex(build_ids, id.ip, 0);
          build_ids += "; ";
        }
      }
    }
  }
}

void Symbolizer::symbolize(uint32_t tgid, uint32_t base_addr_hash,
                           const std::vector<uint64_t>& frames, std::string& symbols) {
  for (size_t i = 0; i < frames.size(); ++i) {
    const uint64_t ip = frames[i];
    std::string name;
    if (const ProcessMaps* maps = maps_for(tgid, base_addr_hash, ip)) {
      for (const Mapping& m : maps->mappings) {
        if (ip < m.start || ip >= m.end) continue;
        if (const ElfSymbols* syms = symbols_for(tgid, m)) {
          // Outer frames hold return addresses: look up the call instruction before them, so
          // a call at the very end of a function still names that function.
          const uint64_t at = i == 0 ? ip : ip - 1;
          name = syms->lookup_offset(at - m.start + m.offset);
        }
        break;
      }
    }
    if (name.empty()) {
      symbols += "0x";
      append_hex(symbols, ip, 16);
    } else {
      symbols += name;
    }
    symbols += "; ";
  }
}

const Symbolizer::ProcessMaps* Symbolizer::maps_for(uint32_t tgid, uint32_t base_addr_hash,
                                                    uint64_t address) {
  auto it = processes_.find(tgid);
  const auto current = [&] {
    return it != processes_.end() && it->second.base_addr_hash == base_addr_hash;
  };
  const auto covered = [&] {
    for (const auto& m : it->second.mappings) {
      if (address >= m.start && address < m.end) return true;
    }
    return false;
  };
  // A new image (exec, or the pid was reused): the files mapped at the old addresses no longer
  // apply.
  const auto start_image = [&](std::vector<Mapping> mappings) {
    if (processes_.size() >= kMaxProcesses && it == processes_.end()) processes_.clear();
    mapped_files_.erase(mapped_files_.lower_bound({tgid, 0}),
                        mapped_files_.lower_bound({tgid + 1, 0}));
    it = processes_.insert_or_assign(tgid, ProcessMaps{base_addr_hash, std::move(mappings)}).first;
  };
  if (current() && (covered() || it->second.settled)) return &it->second;

  // Re-read on a new image or an address no cached mapping covers (dlopen).
  std::string text = read_text(proc_root_ + "/" + std::to_string(tgid) + "/maps");
  if (!text.empty()) {
    if (current()) {
      it->second.mappings = parse_maps(text);
    } else {
      start_image(parse_maps(text));
    }
  }
  if (!current() || !covered()) {
    // The process is gone: add what the kernel recorded when the event happened.
    std::vector<Mapping> recorded = recorded_.mappings(tgid, base_addr_hash);
    if (!recorded.empty() && !current()) start_image({});
    for (Mapping& r : recorded) {
      bool known = false;
      for (const Mapping& m : it->second.mappings) known = known || m.start == r.start;
      if (!known) it->second.mappings.push_back(std::move(r));
    }
    if (text.empty() && current()) it->second.settled = true;
  }
  return current() ? &it->second : nullptr;
}

const ElfSymbols* Symbolizer::symbols_for(uint32_t tgid, const Mapping& mapping) {
  if (auto known = mapped_files_.find({tgid, mapping.start}); known != mapped_files_.end()) {
    auto f = files_.find(known->second);
    if (f != files_.end()) return f->second.get();
  }
  int fd = -1;
  if (mapping.recorded) {
    const FileKey recorded_key{makedev(mapping.dev_major, mapping.dev_minor), mapping.inode,
                               mapping.mtime_sec, mapping.mtime_nsec};
    if (auto f = files_.find(recorded_key); f != files_.end()) {
      mapped_files_[{tgid, mapping.start}] = recorded_key;
      return f->second.get();
    }
    if (unreachable_.count(recorded_key)) return nullptr;
    fd = recorded_.open_file(mapping);  // checks inode and mtime itself
    if (fd < 0) unreachable_.insert(recorded_key);
  } else {
    // map_files opens exactly the mapped file, also inside another mount namespace or after
    // it was deleted; the path through the process's root is the fallback.
    char range[64];
    std::snprintf(range, sizeof range, "%" PRIx64 "-%" PRIx64, mapping.start, mapping.end);
    const std::string base = proc_root_ + "/" + std::to_string(tgid);
    fd = open_regular_file(AT_FDCWD, base + "/map_files/" + range, 0);
    if (fd < 0) {
      // The path as the process sees it: symlinks resolve inside its root, not ig's.
      const int root = open((base + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (root >= 0) {
        fd = open_regular_file(root, mapping.path, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        close(root);
      }
    }
  }
  if (fd < 0) return nullptr;
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_ino != mapping.inode) {
    close(fd);
    return nullptr;
  }
  FileKey key{st.st_dev, st.st_ino, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
  auto f = files_.find(key);
  if (f == files_.end()) {
    auto symbols = std::make_unique<ElfSymbols>(fd);
    // A long run meets many binaries: start over rather than grow without bound.
    if (cached_symbols_ + symbols->size() > kMaxCachedSymbols) {
      files_.clear();
      mapped_files_.clear();
      unreachable_.clear();
      cached_symbols_ = 0;
    }
    cached_symbols_ += symbols->size();
    f = files_.emplace(key, std::move(symbols)).first;
  }
  close(fd);
  mapped_files_[{tgid, mapping.start}] = key;
  return f->second.get();
}

}  // namespace ig::runner::ustack
