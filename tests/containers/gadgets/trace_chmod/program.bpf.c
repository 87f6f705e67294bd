// SPDX-License-Identifier: Apache-2.0
// Test gadget for container enrichment, container selection and user stacks: one event per
// chmod(2) or fchmodat(2) call, from tracepoints so that it runs on kernels without kprobes.

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

#include <gadget/buffer.h>
#include <gadget/common.h>
#include <gadget/filter.h>
#include <gadget/macros.h>
#include <gadget/types.h>
#include <gadget/user_stack_map.h>

#define FILENAME_MAX_LEN 128

struct event {
	gadget_timestamp timestamp_raw;
	struct gadget_process proc;
	__u32 mode;
	char filename[FILENAME_MAX_LEN];
	struct gadget_user_stack ustack;
};

GADGET_TRACER_MAP(events, 1024 * 256);
GADGET_TRACER(chmod, events, event);

static __always_inline int emit(void *ctx, const char *filename, __u32 mode)
{
	struct event *event;

	if (gadget_should_discard_data_current())
		return 0;

	event = gadget_reserve_buf(&events, sizeof(*event));
	if (!event)
		return 0;

	event->timestamp_raw = bpf_ktime_get_boot_ns();
	gadget_process_populate(&event->proc);
	event->mode = mode;
	bpf_probe_read_user_str(event->filename, sizeof(event->filename), filename);
	gadget_get_user_stack_from_tracepoint(ctx, &event->ustack);

	gadget_submit_buf(ctx, &events, event, sizeof(*event));
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_chmod")
int ig_chmod_e(struct syscall_trace_enter *ctx)
{
	return emit(ctx, (const char *)ctx->args[0], (__u32)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_fchmodat")
int ig_fchmodat_e(struct syscall_trace_enter *ctx)
{
	return emit(ctx, (const char *)ctx->args[1], (__u32)ctx->args[2]);
}

char LICENSE[] SEC("license") = "GPL";
