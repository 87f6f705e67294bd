// Data operators: the per-event stages of one data source, between decoding a record (BTF
// fields) and writing it out. Each reads and writes fields of the shared row; a data source
// runs them in the order of data_operator_order() (operators/chain.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "runner/output/event_writers.hpp"

namespace ig::runner {

namespace enrich {
struct Container;
}
namespace ustack {
class Symbolizer;
}
namespace kstack {
class KernelStacks;
}

// What the data operators take from the running gadget; set once its object is loaded, and
// again for each load attempt.
struct EventEnrichers {
  // mount namespace id -> container (runtime.* fields); null result: host or unknown.
  std::function<std::shared_ptr<const enrich::Container>(uint64_t mntns)> container;
  // Drops events of containers not selected (user space; for gadgets without the kernel map).
  std::function<bool(const enrich::Container*)> keep;
  // network namespace id -> its only container, for events without a known mount namespace.
  std::function<std::shared_ptr<const enrich::Container>(uint64_t netns)> container_by_netns;
  std::string node;         // k8s.node
  uint64_t host_netns = 0;  // a container in it shares the host's network (k8s.hostnetwork)
  ustack::Symbolizer* ustack = nullptr;           // gadget_user_stack -> addresses/symbols/buildid
  kstack::KernelStacks* kernel_stacks = nullptr;  // gadget_kernel_stack -> frame names
};

class DataOperator {
 public:
  virtual ~DataOperator() = default;
  virtual std::string_view name() const = 0;
  // One event; false drops it (later operators and the output do not see it).
  virtual bool on_event(output::Row& row) = 0;
  // An array data source's whole batch, after every row went through on_event (sort, limit).
  virtual void on_batch(std::vector<output::Row>&) {}
};

}  // namespace ig::runner
