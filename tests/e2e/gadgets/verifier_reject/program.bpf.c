// SPDX-License-Identifier: Apache-2.0
// End-to-end test gadget that compiles but that the kernel's verifier must reject: it
// dereferences a user-space pointer directly instead of with bpf_probe_read_user().

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

#include <gadget/buffer.h>
#include <gadget/macros.h>
#include <gadget/types.h>

struct event {
	gadget_timestamp timestamp_raw;
	__u32 first_byte;
};

GADGET_TRACER_MAP(events, 1024 * 256);
GADGET_TRACER(rejected, events, event);

SEC("tracepoint/syscalls/sys_enter_fchmodat")
int ig_rejected(struct syscall_trace_enter *ctx)
{
	const char *filename = (const char *)ctx->args[1];
	struct event *event;

	event = gadget_reserve_buf(&events, sizeof(*event));
	if (!event)
		return 0;
	event->timestamp_raw = bpf_ktime_get_boot_ns();
	event->first_byte = *filename; /* invalid: a scalar is not a pointer the verifier allows */
	gadget_submit_buf(ctx, &events, event, sizeof(*event));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
