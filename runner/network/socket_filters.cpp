#include "runner/network/socket_filters.hpp"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>

#include "runner/network/bpf_objects.hpp"
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

// A raw socket seeing every packet of namespace `netns_fd`: a socket belongs to the
// namespace of the thread that creates it, so a thread of our own enters it first.
UniqueFd packet_socket_in(int netns_fd) {
  UniqueFd sock;
  int err = 0;
  std::thread maker([&] {
    if (setns(netns_fd, CLONE_NEWNET) != 0) {
      err = errno;
      return;
    }
    sock = UniqueFd(socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL)));
    if (sock.get() < 0) err = errno;
  });
  maker.join();
  if (sock.get() < 0) {
    throw Error(ErrorCode::Kernel,
                std::string("opening a packet socket in a network namespace: ") + std::strerror(err));
  }
  return sock;
}

}  // namespace

struct SocketFilters::Dispatcher {
  ObjectPtr object;
  UniqueFd socket;  // closing it detaches the dispatcher
};

bool has_socket_filters(struct bpf_object* obj) { return !socket_programs(obj).empty(); }

SocketFilters::SocketFilters(struct bpf_object* gadget) : elf_(dispatcher_object()) {
  for (struct bpf_program* prog : socket_programs(gadget)) {
    UniqueFd array(bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "ig_tail_call", 4, 4, 1, nullptr));
    if (array.get() < 0) {
      throw Error(ErrorCode::Kernel, std::string("creating the dispatcher's program array: ") +
                                         std::strerror(errno));
    }
    const uint32_t slot = 0;
    const int prog_fd = bpf_program__fd(prog);
    if (bpf_map_update_elem(array.get(), &slot, &prog_fd, BPF_ANY) != 0) {
      throw Error(ErrorCode::Kernel, std::string("installing socket filter ") +
                                         bpf_program__name(prog) + ": " + std::strerror(errno));
    }
    names_.push_back(bpf_program__name(prog));
    tail_calls_.push_back(std::move(array));
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
    Dispatcher d{open_object(elf_, "ig_dispatcher"), packet_socket_in(netns_fd)};
    struct bpf_map* map;
    bpf_object__for_each_map(map, d.object.get()) {
      size_t size = 0;
      if (std::string_view(bpf_map__name(map)).ends_with(".rodata")) {
        // current_netns is its only variable.
        const void* initial = bpf_map__initial_value(map, &size);
        std::vector<char> rodata(static_cast<const char*>(initial),
                                 static_cast<const char*>(initial) + size);
        const auto netns = static_cast<uint32_t>(st.st_ino);
        if (size < sizeof netns) throw Error(ErrorCode::Internal, "dispatcher: no current_netns");
        std::memcpy(rodata.data(), &netns, sizeof netns);
        bpf_map__set_initial_value(map, rodata.data(), rodata.size());
      } else if (bpf_map__reuse_fd(map, tail_calls_[i].get()) != 0) {
        throw Error(ErrorCode::Kernel, "dispatcher: reusing the program array failed");
      }
    }
    if (bpf_object__load(d.object.get()) != 0) {
      throw Error(ErrorCode::Kernel, "loading the socket filter dispatcher for " + names_[i] +
                                         " failed: " + std::strerror(errno));
    }
    const int prog_fd = bpf_program__fd(bpf_object__next_program(d.object.get(), nullptr));
    if (setsockopt(d.socket.get(), SOL_SOCKET, SO_ATTACH_BPF, &prog_fd, sizeof prog_fd) != 0) {
      throw Error(ErrorCode::Kernel, "attaching socket filter " + names_[i] + " failed: " +
                                         std::strerror(errno));
    }
    dispatchers.push_back(std::move(d));
  }
  attached_.emplace(st.st_ino, std::move(dispatchers));
}

}  // namespace ig::runner::network
