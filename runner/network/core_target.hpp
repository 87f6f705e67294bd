// The BTF that CO-RE relocations of a network gadget resolve against: the kernel's, plus the
// socket enricher's value type (struct gadget_socket_value). Gadgets access that struct
// through CO-RE, as upstream's do, so its fields resolve to what this enricher fills, and
// bpf_core_field_exists() is false for the optional fields it leaves out (cwd, exepath).
#pragma once

#include <cstdint>
#include <string>

#include "util/unique_fd.hpp"

struct btf;

namespace ig::runner::network {

// The socket enricher's map values: the fixed fields of gadget_socket_value
// (include/gadget/types.h), as bpf/socket_enricher.bpf.c writes them.
struct SocketValue {
  uint64_t mntns;
  uint64_t pid_tgid;
  uint64_t uid_gid;
  char task[16];
  char ptask[16];
  uint64_t sock;
  uint64_t deletion_timestamp;  // bpf_ktime_get_ns() at release, 0 while open
  uint32_t ppid;
  uint32_t ptid;
  char ipv6only;
};
static_assert(sizeof(SocketValue) == 88, "bpf/socket_enricher.bpf.c's struct socket_owner");

// Adds struct gadget_socket_value (the fixed fields only) to `btf`. Throws Error.
void add_socket_value_type(struct btf* btf);

class CoreTarget {
 public:
  // Reads the kernel's BTF and writes the extended copy to a memory file. Throws Error.
  CoreTarget();
  // For ObjectConfig::core_btf_path: "/proc/self/fd/N".
  const std::string& path() const { return path_; }

 private:
  UniqueFd fd_;
  std::string path_;
};

}  // namespace ig::runner::network
