// SPDX-License-Identifier: Apache-2.0
// End-to-end test gadget: one event per fchmodat(2) call, from a tracepoint so that it runs on
// kernels without kprobes or BPF trampolines.

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

#include <gadget/buffer.h>
#include <gadget/common.h>
#include <gadget/filter.h>
#include <gadget/kernel_stack_map.h>
#include <gadget/macros.h>
#include <gadget/types.h>

#define FILENAME_MAX_LEN 256

struct event {
	gadget_timestamp timestamp_raw;
	struct gadget_process proc;
	__u32 mode;
	__s32 dfd;
	char filename[FILENAME_MAX_LEN];
	gadget_kernel_stack kstack_raw;
};

// Events with a mode outside this mask are dropped; a typed param for the e2e test.
const volatile __u32 mode_mask = 07777;
GADGET_PARAM(mode_mask);

GADGET_TRACER_MAP(events, 1024 * 256);
GADGET_TRACER(fchmodat, events, event);

SEC("tracepoint/syscalls/sys_enter_fchmodat")
int ig_fchmodat_e(struct syscall_trace_enter *ctx)
{
	__u32 mode = (__u32)ctx->args[2];
	struct event *event;

	if (gadget_should_discard_data_current())
		return 0;
	if (mode & ~mode_mask)
		return 0;

	event = gadget_reserve_buf(&events, sizeof(*event));
	if (!event)
		return 0;

	event->timestamp_raw = bpf_ktime_get_boot_ns();
	gadget_process_populate(&event->proc);
	event->mode = mode;
	event->dfd = (__s32)ctx->args[0];
	bpf_probe_read_user_str(event->filename, sizeof(event->filename),
				(const char *)ctx->args[1]);
	event->kstack_raw = gadget_get_kernel_stack(ctx);

	gadget_submit_buf(ctx, &events, event, sizeof(*event));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
