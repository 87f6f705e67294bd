#include "runner/network/socket_enricher.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <time.h>

#include <vector>

#include "runner/network/bpf_objects.hpp"
#include "runner/network/core_target.hpp"

namespace ig::runner::network {
namespace {

uint64_t monotonic_ns() {  // bpf_ktime_get_ns()'s clock
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1000000000u + static_cast<uint64_t>(now.tv_nsec);
}

}  // namespace

SocketEnricher::SocketEnricher(const std::function<void(const std::string&)>& warn)
    : elf_(socket_enricher_object()) {
  program_ = std::make_unique<GadgetProgram>(elf_, "socket_enricher", ObjectConfig{});
  program_->load();
  try {
    program_->attach();
  } catch (const ProgramFailure& failure) {
    program_->detach();
    warn("socket enricher: " + std::string(failure.what()) +
         ": only sockets open at start name their process");
  }
  program_->run_iterator("ig_se_existing");
}

int SocketEnricher::map_fd() const {
  return bpf_map__fd(bpf_object__find_map_by_name(program_->object(), "gadget_sockets"));
}

size_t SocketEnricher::sweep(std::chrono::nanoseconds grace) {
  struct bpf_map* map = bpf_object__find_map_by_name(program_->object(), "gadget_sockets");
  const int fd = bpf_map__fd(map);
  std::vector<char> key(bpf_map__key_size(map)), next(key.size());
  SocketValue value;
  const uint64_t now = monotonic_ns();
  const auto expired = [&](const void* k) {
    return bpf_map_lookup_elem(fd, k, &value) == 0 && value.deletion_timestamp != 0 &&
           now - value.deletion_timestamp > static_cast<uint64_t>(grace.count());
  };
  std::vector<std::vector<char>> doomed;
  for (const void* at = nullptr; bpf_map_get_next_key(fd, at, next.data()) == 0; at = key.data()) {
    key = next;
    if (expired(key.data())) doomed.push_back(key);
  }
  // Deleting while walking would restart the walk; a socket re-bound meanwhile has a fresh
  // entry (no deletion timestamp), which the second check keeps.
  size_t removed = 0;
  for (const auto& k : doomed) {
    if (expired(k.data()) && bpf_map_delete_elem(fd, k.data()) == 0) ++removed;
  }
  return removed;
}

}  // namespace ig::runner::network
