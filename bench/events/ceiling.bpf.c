// SPDX-License-Identifier: Apache-2.0
// The reference producer for bench/events/ceiling.c: the same records as the benchmark gadget
// (gadget/program.bpf.c), the same 256 KiB ring buffer and a per-CPU counter of reserve failures.

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

#define BENCH_ARG_BASE 0x40000000ULL

struct event {
	__u64 timestamp_raw;
	__u32 pid;
	__u32 tid;
	char comm[16];
	__u64 arg;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 256);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpgid")
int ceiling_getpgid(struct syscall_trace_enter *ctx)
{
	__u64 arg = (__u64)ctx->args[0];
	__u32 zero = 0;
	__u64 pid_tgid, *count;
	struct event *event;

	if (arg < BENCH_ARG_BASE)
		return 0;

	event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		count = bpf_map_lookup_elem(&lost, &zero);
		if (count)
			*count += 1;
		return 0;
	}
	pid_tgid = bpf_get_current_pid_tgid();
	event->timestamp_raw = bpf_ktime_get_boot_ns();
	event->pid = pid_tgid >> 32;
	event->tid = (__u32)pid_tgid;
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	event->arg = arg;
	bpf_ringbuf_submit(event, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
