// A gadget whose param variable is not const volatile: metadata validation must refuse it.
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <gadget/buffer.h>
#include <gadget/macros.h>
#include <gadget/types.h>

struct event {
	gadget_timestamp timestamp_raw;
	__u32 value;
};

volatile __u32 not_const = 1;
const volatile __u32 threshold = 10;
GADGET_PARAM(threshold);

GADGET_TRACER_MAP(events, 4096);
GADGET_TRACER(values, events, event);

SEC("tracepoint/syscalls/sys_enter_getpid")
int on_getpid(void *ctx)
{
	struct event ev = { .timestamp_raw = bpf_ktime_get_boot_ns(), .value = threshold + not_const };

	gadget_output_buf(ctx, &events, &ev, sizeof(ev));
	return 0;
}

char _license[] SEC("license") = "GPL";
