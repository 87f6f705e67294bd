// Reads the tracer maps of a loaded gadget: ring buffers (one epoll set for all) or, on kernels
// without them, perf buffers; reports lost events from either path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct bpf_object;
struct ring_buffer;
struct perf_buffer;

namespace ig::runner {

struct TracerSink {
  std::string map_name;
  std::function<void(const void* record, size_t size)> on_record;
  std::function<void(uint64_t count)> on_lost;
};

class EventSource {
 public:
  // Creates the readers; call before attaching so that no event is missed. `warn` receives
  // one line per warning (e.g. a gadget without <map>_lost_samples).
  EventSource(struct bpf_object* obj, std::vector<TracerSink> sinks,
              const std::function<void(const std::string&)>& warn);
  ~EventSource();
  EventSource(const EventSource&) = delete;
  EventSource& operator=(const EventSource&) = delete;

  // Waits up to `timeout_ms` and hands every available record to its sink. A signal ends the
  // wait early. Rethrows what a sink threw.
  void poll(int timeout_ms);

  // Ring-buffer path: reads and sums over CPUs each <map>_lost_samples and reports how much
  // it grew since the last call. (The perf path reports losses as they are read.)
  void report_ring_losses();

 private:
  struct Reader {
    TracerSink sink;
    int lost_map_fd = -1;
    uint64_t lost_reported = 0;  // sum of <map>_lost_samples at the last report
    struct perf_buffer* perf = nullptr;
    EventSource* owner = nullptr;
  };

  static int on_ring_record(void* ctx, void* data, size_t size);
  static void on_perf_record(void* ctx, int cpu, void* data, uint32_t size);
  static void on_perf_lost(void* ctx, int cpu, unsigned long long count);
  void deliver(Reader& reader, const void* data, size_t size);
  void release();

  std::vector<std::unique_ptr<Reader>> readers_;
  struct ring_buffer* ring_ = nullptr;
  int epoll_fd_ = -1;
  int possible_cpus_ = 1;
  std::exception_ptr error_;
};

}  // namespace ig::runner
