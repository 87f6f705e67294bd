#include "runner/event_source.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "util/error.hpp"

namespace ig::runner {
namespace {

constexpr size_t kPerfPagesPerCpu = 64;  // upstream pkg/gadgets/consts.go

int map_fd(struct bpf_object* obj, const std::string& name) {
  struct bpf_map* map = bpf_object__find_map_by_name(obj, name.c_str());
  return map ? bpf_map__fd(map) : -1;
}

void watch(int epoll_fd, int fd) {
  struct epoll_event event = {};
  event.events = EPOLLIN;
  event.data.fd = fd;
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) < 0) {
    throw Error(ErrorCode::Internal, std::string("epoll_ctl: ") + std::strerror(errno));
  }
}

}  // namespace

EventSource::EventSource(struct bpf_object* obj, std::vector<TracerSink> sinks,
                         const std::function<void(const std::string&)>& warn) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw Error(ErrorCode::Internal, std::string("epoll_create1: ") + std::strerror(errno));
  int cpus = libbpf_num_possible_cpus();
  possible_cpus_ = cpus > 0 ? cpus : 1;
  try {
    for (auto& sink : sinks) {
      auto reader = std::make_unique<Reader>();
      reader->owner = this;
      reader->sink = std::move(sink);
      const std::string& name = reader->sink.map_name;
      struct bpf_map* map = bpf_object__find_map_by_name(obj, name.c_str());
      if (!map) throw Error(ErrorCode::NotFound, "tracer map " + name + " not found in the eBPF object");
      const int fd = bpf_map__fd(map);
      // A tracer's map is a ring buffer, or a perf event array when the kernel has no ring
      // buffers or when the gadget declares one itself (trace_dns, tcpdump).
      if (bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF) {
        if (!ring_) {
          ring_ = ring_buffer__new(fd, on_ring_record, reader.get(), nullptr);
          if (!ring_) throw Error(ErrorCode::Kernel, "ring buffer " + name + ": " + std::strerror(errno));
          watch(epoll_fd_, ring_buffer__epoll_fd(ring_));
        } else if (int err = ring_buffer__add(ring_, fd, on_ring_record, reader.get()); err) {
          throw Error(ErrorCode::Kernel, "ring buffer " + name + ": " + std::strerror(-err));
        }
        reader->lost_map_fd = map_fd(obj, name + "_lost_samples");
        if (reader->lost_map_fd < 0) {
          warn("map " + name + "_lost_samples not found: lost events of " + name +
               " are not reported (gadget built before ig v0.51.0?)");
        }
      } else {
        reader->perf = perf_buffer__new(fd, kPerfPagesPerCpu, on_perf_record, on_perf_lost,
                                        reader.get(), nullptr);
        if (!reader->perf) throw Error(ErrorCode::Kernel, "perf buffer " + name + ": " + std::strerror(errno));
        watch(epoll_fd_, perf_buffer__epoll_fd(reader->perf));
      }
      readers_.push_back(std::move(reader));
    }
  } catch (...) {
    release();
    throw;
  }
}

EventSource::~EventSource() { release(); }

void EventSource::release() {
  if (ring_) ring_buffer__free(ring_);
  ring_ = nullptr;
  for (auto& reader : readers_) {
    if (reader->perf) perf_buffer__free(reader->perf);
    reader->perf = nullptr;
  }
  readers_.clear();
  if (epoll_fd_ >= 0) close(epoll_fd_);
  epoll_fd_ = -1;
}

void EventSource::deliver(Reader& reader, const void* data, size_t size) {
  if (error_) return;  // stop handing out records once a sink failed
  try {
    reader.sink.on_record(data, size);
  } catch (...) {
    error_ = std::current_exception();
  }
}

int EventSource::on_ring_record(void* ctx, void* data, size_t size) {
  auto* reader = static_cast<Reader*>(ctx);
  reader->owner->deliver(*reader, data, size);
  return reader->owner->error_ ? -1 : 0;
}

void EventSource::on_perf_record(void* ctx, int, void* data, uint32_t size) {
  auto* reader = static_cast<Reader*>(ctx);
  reader->owner->deliver(*reader, data, size);
}

void EventSource::on_perf_lost(void* ctx, int, unsigned long long count) {
  auto* reader = static_cast<Reader*>(ctx);
  if (reader->owner->error_) return;
  try {
    reader->sink.on_lost(count);
  } catch (...) {
    reader->owner->error_ = std::current_exception();
  }
}

void EventSource::poll(int timeout_ms) {
  struct epoll_event events[8];
  int n = epoll_wait(epoll_fd_, events, 8, timeout_ms);
  if (n < 0 && errno != EINTR) {
    throw Error(ErrorCode::Internal, std::string("epoll_wait: ") + std::strerror(errno));
  }
  // Consuming every reader is cheap and avoids mapping epoll fds back to readers.
  if (n > 0) {
    if (ring_) {
      int err = ring_buffer__consume(ring_);
      if (err < 0 && !error_) throw Error(ErrorCode::Kernel, std::string("reading ring buffer: ") + std::strerror(-err));
    }
    for (auto& reader : readers_) {
      if (!reader->perf) continue;
      int err = perf_buffer__consume(reader->perf);
      if (err < 0 && !error_) throw Error(ErrorCode::Kernel, std::string("reading perf buffer: ") + std::strerror(-err));
    }
  }
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void EventSource::report_ring_losses() {
  std::vector<uint64_t> values(static_cast<size_t>(possible_cpus_));
  for (auto& reader : readers_) {
    if (reader->lost_map_fd < 0) continue;
    uint32_t key = 0;
    if (bpf_map_lookup_elem(reader->lost_map_fd, &key, values.data()) != 0) continue;
    // The counters only grow: reporting the growth since the last read (instead of resetting
    // them, as upstream does) cannot miss an event lost between a read and a reset.
    uint64_t total = 0;
    for (uint64_t v : values) total += v;
    const uint64_t lost = total - reader->lost_reported;
    if (lost == 0) continue;
    reader->lost_reported = total;
    reader->sink.on_lost(lost);
  }
}

}  // namespace ig::runner
