// SPDX-License-Identifier: Apache-2.0
// Benchmark gadget: one small event (timestamp, pid, tid, comm, one argument) per getpgid(2)
// call made by bench/events/generator. The argument filter keeps other processes out, so the
// number of events generated is known exactly. bench/events/ceiling.bpf.c produces the same
// records for the reference consumer.

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

#include <gadget/buffer.h>
#include <gadget/macros.h>
#include <gadget/types.h>

// Arguments from here up are the generator's; no process has such a pid (PID_MAX_LIMIT is
// 4194304), so getpgid fails fast with ESRCH.
#define BENCH_ARG_BASE 0x40000000ULL

struct event {
	gadget_timestamp timestamp_raw;
	gadget_pid pid;
	gadget_tid tid;
	gadget_comm comm[TASK_COMM_LEN];
	__u64 arg;
};

// Same size as upstream's usual 256 KiB; <map>_max_entries resizes the map at load time.
const volatile __u32 events_max_entries = 1024 * 256;
GADGET_PARAM(events_max_entries);

GADGET_TRACER_MAP(events, 1024 * 256);
GADGET_TRACER(getpgid, events, event);

SEC("tracepoint/syscalls/sys_enter_getpgid")
int ig_bench_getpgid(struct syscall_trace_enter *ctx)
{
	__u64 arg = (__u64)ctx->args[0];
	__u64 pid_tgid;
	struct event *event;

	if (arg < BENCH_ARG_BASE)
		return 0;

	event = gadget_reserve_buf(&events, sizeof(*event));
	if (!event)
		return 0;

	pid_tgid = bpf_get_current_pid_tgid();
	event->timestamp_raw = bpf_ktime_get_boot_ns();
	event->pid = pid_tgid >> 32;
	event->tid = (__u32)pid_tgid;
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	event->arg = arg;

	gadget_submit_buf(ctx, &events, event, sizeof(*event));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
