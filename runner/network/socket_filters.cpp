#include "runner/network/socket_filters.hpp"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "runner/network/dispatcher.hpp"
#include "runner/network/netns.hpp"
#include "util/error.hpp"

namespace ig::runner::network {
namespace {

std::vector<struct bpf_program*> socket_programs(struct bpf_object* obj) {
  std::vector<struct bpf_program*> out;
  struct bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    if (bpf_program__type(prog) == BPF_PROG_TYPE_SOCKET_FILTER && bpf_program__autoload(prog)) {
      out.push_back(prog);
    }
  }
  return out;
}

// A raw socket seeing every packet of namespace `netns_fd`.
UniqueFd packet_socket_in(int netns_fd) {
  UniqueFd sock;
  run_in_netns(netns_fd, [&] {
    sock = UniqueFd(socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL)));
    if (sock.get() < 0) {
      throw Error(ErrorCode::Kernel, std::string("opening a packet socket in a network namespace: ") +
                                         std::strerror(errno));
    }
  });
  return sock;
}

}  // namespace

struct SocketFilters::Dispatcher {
  ObjectPtr object;
  UniqueFd socket;  // closing it detaches the dispatcher
};

bool has_socket_filters(struct bpf_object* obj) { return !socket_programs(obj).empty(); }

SocketFilters::SocketFilters(struct bpf_object* gadget) {
  for (struct bpf_program* prog : socket_programs(gadget)) {
    names_.push_back(bpf_program__name(prog));
    tail_calls_.push_back(make_tail_call(prog));
  }
}

SocketFilters::~SocketFilters() = default;

void SocketFilters::attach(int netns_fd) {
  struct stat st;
  if (fstat(netns_fd, &st) != 0) {
    throw Error(ErrorCode::Io, std::string("network namespace: ") + std::strerror(errno));
  }
  if (tail_calls_.empty() || attached_.contains(st.st_ino)) return;
  std::vector<Dispatcher> dispatchers;
  for (size_t i = 0; i < tail_calls_.size(); ++i) {
    Dispatcher d{load_dispatcher(DispatcherKind::SocketFilter, static_cast<uint32_t>(st.st_ino),
                                 tail_calls_[i].get(), "socket filter " + names_[i]),
                 packet_socket_in(netns_fd)};
    const int prog_fd = dispatcher_fd(d.object.get(), DispatcherKind::SocketFilter);
    if (setsockopt(d.socket.get(), SOL_SOCKET, SO_ATTACH_BPF, &prog_fd, sizeof prog_fd) != 0) {
      throw Error(ErrorCode::Kernel, "attaching socket filter " + names_[i] + " failed: " +
                                         std::strerror(errno));
    }
    dispatchers.push_back(std::move(d));
  }
  attached_.emplace(st.st_ino, std::move(dispatchers));
}

}  // namespace ig::runner::network
