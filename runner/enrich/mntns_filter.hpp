// The kernel half of container selection (spec ig-compat.md §4.6): the gadget's
// gadget_mntns_filter_map holds the mount namespaces whose events may reach user space, and
// gadget_filter_by_mntns turns the check on.
#pragma once

#include <cstdint>

struct bpf_object;

namespace ig::runner::enrich {

// Before load: sets gadget_filter_by_mntns = true in the opened object. Returns false when the
// gadget has no such variable or no gadget_mntns_filter_map (it does not filter by container).
bool enable_mntns_filter(struct bpf_object* obj);

// After load: adds mount namespaces to the loaded object's gadget_mntns_filter_map.
class MntnsFilterMap {
 public:
  explicit MntnsFilterMap(struct bpf_object* obj);
  // Throws Error(Kernel) naming the map when the update fails (e.g. the map is full).
  void add(uint64_t mntns);
  // Removing a namespace that is not in the map is not an error.
  void remove(uint64_t mntns);
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

}  // namespace ig::runner::enrich
