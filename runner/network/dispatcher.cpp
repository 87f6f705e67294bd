#include "runner/network/dispatcher.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "runner/network/bpf_objects.hpp"
#include "util/error.hpp"

namespace ig::runner::network {
namespace {

const char* program_name(DispatcherKind kind) {
  return kind == DispatcherKind::SocketFilter ? "ig_net_dispatch" : "ig_tc_dispatch";
}

}  // namespace

UniqueFd make_tail_call(struct bpf_program* prog) {
  UniqueFd array(bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "ig_tail_call", 4, 4, 1, nullptr));
  if (array.get() < 0) {
    throw Error(ErrorCode::Kernel,
                std::string("creating the dispatcher's program array: ") + std::strerror(errno));
  }
  const uint32_t slot = 0;
  const int prog_fd = bpf_program__fd(prog);
  if (bpf_map_update_elem(array.get(), &slot, &prog_fd, BPF_ANY) != 0) {
    throw Error(ErrorCode::Kernel, std::string("installing ") + bpf_program__name(prog) +
                                       " behind its dispatcher: " + std::strerror(errno));
  }
  return array;
}

ObjectPtr load_dispatcher(DispatcherKind kind, uint32_t netns, int tail_call,
                          const std::string& what) {
  static const std::string elf(dispatcher_object());  // libbpf points into it
  ObjectPtr object = open_object(elf, "ig_dispatcher");
  struct bpf_program* prog;
  bpf_object__for_each_program(prog, object.get()) {
    bpf_program__set_autoload(prog, std::string_view(bpf_program__name(prog)) == program_name(kind));
  }
  struct bpf_map* map;
  bpf_object__for_each_map(map, object.get()) {
    if (std::string_view(bpf_map__name(map)).ends_with(".rodata")) {
      // current_netns is its only variable.
      size_t size = 0;
      const void* initial = bpf_map__initial_value(map, &size);
      if (size < sizeof netns) throw Error(ErrorCode::Internal, "dispatcher: no current_netns");
      std::vector<char> rodata(static_cast<const char*>(initial),
                               static_cast<const char*>(initial) + size);
      std::memcpy(rodata.data(), &netns, sizeof netns);
      bpf_map__set_initial_value(map, rodata.data(), rodata.size());
    } else if (bpf_map__reuse_fd(map, tail_call) != 0) {
      throw Error(ErrorCode::Kernel, "dispatcher: reusing the program array failed");
    }
  }
  if (bpf_object__load(object.get()) != 0) {
    throw Error(ErrorCode::Kernel,
                "loading the dispatcher for " + what + " failed: " + std::strerror(errno));
  }
  return object;
}

int dispatcher_fd(struct bpf_object* dispatcher, DispatcherKind kind) {
  return bpf_program__fd(bpf_object__find_program_by_name(dispatcher, program_name(kind)));
}

}  // namespace ig::runner::network
