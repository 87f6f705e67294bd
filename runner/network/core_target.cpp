#include "runner/network/core_target.hpp"

#include <bpf/btf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <memory>

#include "util/error.hpp"

namespace ig::runner::network {
namespace {

struct BtfDeleter {
  void operator()(struct btf* btf) const { btf__free(btf); }
};

void check(int result, const char* what) {
  if (result < 0) {
    throw Error(ErrorCode::Internal, std::string("building the socket enricher's BTF: ") + what +
                                         ": " + std::strerror(-result));
  }
}

}  // namespace

void add_socket_value_type(struct btf* btf) {
  const int u64 = btf__add_int(btf, "unsigned long long", 8, 0);
  const int u32 = btf__add_int(btf, "unsigned int", 4, 0);
  const int chr = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
  check(u64, "u64");
  check(u32, "u32");
  check(chr, "char");
  const int comm = btf__add_array(btf, u32, chr, 16);
  check(comm, "char[16]");
  check(btf__add_struct(btf, "gadget_socket_value", sizeof(SocketValue)), "struct");
  const struct {
    const char* name;
    int type;
    size_t offset;
  } fields[] = {{"mntns", u64, offsetof(SocketValue, mntns)},
                {"pid_tgid", u64, offsetof(SocketValue, pid_tgid)},
                {"uid_gid", u64, offsetof(SocketValue, uid_gid)},
                {"task", comm, offsetof(SocketValue, task)},
                {"ptask", comm, offsetof(SocketValue, ptask)},
                {"sock", u64, offsetof(SocketValue, sock)},
                {"deletion_timestamp", u64, offsetof(SocketValue, deletion_timestamp)},
                {"ppid", u32, offsetof(SocketValue, ppid)},
                {"ptid", u32, offsetof(SocketValue, ptid)},
                {"ipv6only", chr, offsetof(SocketValue, ipv6only)}};
  for (const auto& f : fields) check(btf__add_field(btf, f.name, f.type, static_cast<uint32_t>(f.offset * 8), 0), f.name);
}

CoreTarget::CoreTarget() {
  std::unique_ptr<struct btf, BtfDeleter> btf(btf__load_vmlinux_btf());
  if (!btf) {
    throw Error(ErrorCode::Unsupported,
                std::string("the socket enricher needs the kernel's BTF "
                            "(/sys/kernel/btf/vmlinux): ") + std::strerror(errno));
  }
  add_socket_value_type(btf.get());
  uint32_t size = 0;
  const void* raw = btf__raw_data(btf.get(), &size);
  if (!raw) throw Error(ErrorCode::Internal, "building the socket enricher's BTF failed");
  fd_ = UniqueFd(memfd_create("ig-core-btf", MFD_CLOEXEC));
  if (fd_.get() < 0) {
    throw Error(ErrorCode::Io, std::string("memfd_create: ") + std::strerror(errno));
  }
  for (size_t done = 0; done < size;) {
    const ssize_t n = write(fd_.get(), static_cast<const char*>(raw) + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(ErrorCode::Io, std::string("writing the CO-RE BTF: ") + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  path_ = "/proc/self/fd/" + std::to_string(fd_.get());
}

}  // namespace ig::runner::network
