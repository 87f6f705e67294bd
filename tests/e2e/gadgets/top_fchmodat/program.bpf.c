// SPDX-License-Identifier: Apache-2.0
// End-to-end test gadget for map iterators: counts fchmodat(2) calls per process (and the modes
// they asked for) in a hash map that GADGET_MAPITER empties into its data source at every
// fetch. From a tracepoint, so that it runs on kernels without kprobes.

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

#include <gadget/common.h>
#include <gadget/filter.h>
#include <gadget/macros.h>
#include <gadget/types.h>

struct chmod_key {
	gadget_pid pid;
	__u32 __pad; /* "__" members are not fields */
};

struct chmod_stats {
	gadget_comm comm[TASK_COMM_LEN];
	__u64 calls;
	__u32 modes; /* OR of the modes asked for */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct chmod_key);
	__type(value, struct chmod_stats);
} chmod_counts SEC(".maps");

GADGET_MAPITER(chmods, chmod_counts);

SEC("tracepoint/syscalls/sys_enter_fchmodat")
int ig_count_fchmodat(struct syscall_trace_enter *ctx)
{
	struct chmod_key key = {};
	struct chmod_stats *stats;

	if (gadget_should_discard_data_current())
		return 0;

	key.pid = bpf_get_current_pid_tgid() >> 32;
	stats = bpf_map_lookup_elem(&chmod_counts, &key);
	if (!stats) {
		struct chmod_stats zero = {};

		bpf_get_current_comm(zero.comm, sizeof(zero.comm));
		bpf_map_update_elem(&chmod_counts, &key, &zero, BPF_NOEXIST);
		stats = bpf_map_lookup_elem(&chmod_counts, &key);
		if (!stats)
			return 0;
	}
	__sync_fetch_and_add(&stats->calls, 1);
	stats->modes |= (__u32)ctx->args[2]; /* racy, fine for a test */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
