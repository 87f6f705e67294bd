// The gadget operators of an instance, one file each under instance/.
#pragma once

#include <memory>

#include "runner/instance/gadget_operator.hpp"

namespace ig::runner::operators {

// Acquires and opens the image: metadata, --annotate, the object's markers and params.
std::unique_ptr<GadgetOperator> make_image_operator();
// Declares the data sources of the object; loads, attaches, reads and fetches them.
std::unique_ptr<GadgetOperator> make_ebpf_operator();
// Upstream's process operator (operator.process in gadget.yaml, top_process): every process
// as the array data source "processes".
std::unique_ptr<GadgetOperator> make_process_operator();
// Upstream's eBPF statistics (operator.ebpf.emitstats, bpfstats): every program on the host as
// the array data source "bpfstats".
std::unique_ptr<GadgetOperator> make_bpfstats_operator();
// Upstream's cgroup operator (operator.cgroup.emitstats, top_cpu_throttle): CPU-limited cgroup
// v2 groups and their throttling as the array data source "cgroups".
std::unique_ptr<GadgetOperator> make_cgroup_operator();
// Container sources, selection (-c, --host) in the kernel or in user space, runtime.* fields.
std::unique_ptr<GadgetOperator> make_containers_operator();
// The socket enricher (sockets-map.h) and socket filters in each selected network namespace.
std::unique_ptr<GadgetOperator> make_network_operator();
// User stacks (--collect-ustack) and kernel stacks from the object's stack maps.
std::unique_ptr<GadgetOperator> make_stacks_operator();
// --otel-metrics-listen: data sources with metrics.collect recorded and served as Prometheus text.
std::unique_ptr<GadgetOperator> make_metrics_operator();
// Headers, periodic flushes and the final summary of every data source.
std::unique_ptr<GadgetOperator> make_output_operator();

}  // namespace ig::runner::operators
