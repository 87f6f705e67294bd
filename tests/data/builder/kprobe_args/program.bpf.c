// SPDX-License-Identifier: Apache-2.0
// Builder fixture: libbpf macros newer than Debian 12's libbpf 1.1 that upstream gadgets use
// (BPF_UPROBE, BPF_KPROBE with six arguments), supplied by include/bpf/bpf_tracing.h.
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include <gadget/buffer.h>
#include <gadget/macros.h>
#include <gadget/types.h>

struct event {
	__u32 mask;
	__u32 cookie;
};

GADGET_TRACER_MAP(events, 1024 * 64);
GADGET_TRACER(calls, events, event);

SEC("kprobe/inotify_handle_inode_event")
int BPF_KPROBE(six_arguments, void *mark, __u32 mask, void *inode, void *dir, const void *name,
	       __u32 cookie)
{
	struct event *e = gadget_reserve_buf(&events, sizeof(*e));

	if (!e)
		return 0;
	e->mask = mask;
	e->cookie = cookie;
	gadget_submit_buf(ctx, &events, e, sizeof(*e));
	return 0;
}

SEC("uprobe/libc:malloc")
int BPF_UPROBE(a_uprobe, size_t size)
{
	return size == 0;
}

char LICENSE[] SEC("license") = "GPL";
