#include "runner/network/socket_enricher.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <time.h>

#include <cstddef>
#include <cstring>

#include <vector>

#include "runner/network/bpf_objects.hpp"
#include "runner/network/core_target.hpp"

namespace ig::runner::network {
namespace {

constexpr size_t kDeletionTimestampOffset = offsetof(SocketValue, deletion_timestamp);

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
  const int fd = map_fd();
  struct bpf_map* map = bpf_object__find_map_by_name(program_->object(), "gadget_sockets");
  std::vector<char> key(bpf_map__key_size(map)), next(key.size());
  std::vector<char> value(bpf_map__value_size(map));
  std::vector<std::vector<char>> expired;
  const uint64_t now = monotonic_ns();
  for (const void* at = nullptr; bpf_map_get_next_key(fd, at, next.data()) == 0; at = key.data()) {
    key = next;
    if (bpf_map_lookup_elem(fd, key.data(), value.data()) != 0) continue;
    uint64_t deleted = 0;
    std::memcpy(&deleted, value.data() + kDeletionTimestampOffset, sizeof deleted);
    if (deleted != 0 && now - deleted > static_cast<uint64_t>(grace.count())) expired.push_back(key);
  }
  // Deleting while walking would restart the walk; a socket re-bound meanwhile has a fresh
  // entry (no deletion timestamp), which the check below keeps.
  size_t removed = 0;
  for (const auto& k : expired) {
    if (bpf_map_lookup_elem(fd, k.data(), value.data()) != 0) continue;
    uint64_t deleted = 0;
    std::memcpy(&deleted, value.data() + kDeletionTimestampOffset, sizeof deleted);
    if (deleted != 0 && bpf_map_delete_elem(fd, k.data()) == 0) ++removed;
  }
  return removed;
}

}  // namespace ig::runner::network
