// SPDX-License-Identifier: GPL-2.0
/*
 * audit_seccomp: one event per seccomp decision the kernel audits (audit_seccomp() runs for
 * actions that are logged: SECCOMP_RET_LOG, KILL, TRAP, ERRNO with audit, ...).
 *
 * The hook exists twice, as fentry and as kprobe, with one body: the runner loads the fentry
 * program where BPF trampolines work and falls back to the kprobe one otherwise.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include <gadget/buffer.h>
#include <gadget/common.h>
#include <gadget/filter.h>
#include <gadget/macros.h>
#include <gadget/types.h>
#include <gadget/user_stack_map.h>

/* Seccomp actions (include/uapi/linux/seccomp.h); user space prints the first matching name. */
enum code {
	SECCOMP_RET_KILL_PROCESS = 0x80000000,
	SECCOMP_RET_KILL_THREAD = 0x00000000,
	SECCOMP_RET_KILL = 0x00000000,
	SECCOMP_RET_TRAP = 0x00030000,
	SECCOMP_RET_ERRNO = 0x00050000,
	SECCOMP_RET_USER_NOTIF = 0x7fc00000,
	SECCOMP_RET_TRACE = 0x7ff00000,
	SECCOMP_RET_LOG = 0x7ffc0000,
	SECCOMP_RET_ALLOW = 0x7fff0000,
	SECCOMP_RET_ACTION_FULL = 0xffff0000,
};

struct event {
	gadget_timestamp timestamp_raw;
	struct gadget_process proc;

	gadget_syscall syscall_raw;
	enum code code_raw;
	struct gadget_user_stack ustack;
};

GADGET_TRACER_MAP(events, 1024 * 256);

GADGET_TRACER(seccomp, events, event);

/* `from_kprobe` is a constant at each call site, so only one stack helper is kept per program. */
static __always_inline int audit(void *ctx, unsigned long syscall, int code, bool from_kprobe)
{
	struct event *event;

	if (gadget_should_discard_data_current())
		return 0;

	event = gadget_reserve_buf(&events, sizeof(*event));
	if (!event)
		return 0;

	gadget_process_populate(&event->proc);
	event->timestamp_raw = bpf_ktime_get_boot_ns();
	event->syscall_raw = syscall;
	event->code_raw = code;
	if (from_kprobe)
		gadget_get_user_stack_from_kprobe(ctx, &event->ustack);
	else
		gadget_get_user_stack_from_tracepoint(ctx, &event->ustack);

	gadget_submit_buf(ctx, &events, event, sizeof(*event));
	return 0;
}

/* void audit_seccomp(unsigned long syscall, long signr, int code) */
SEC("fentry/audit_seccomp")
int BPF_PROG(ig_audit_secc_fentry, unsigned long syscall, long signr, int code)
{
	return audit(ctx, syscall, code, false);
}

SEC("kprobe/audit_seccomp")
int BPF_KPROBE(ig_audit_secc, unsigned long syscall, long signr, int code)
{
	return audit(ctx, syscall, code, true);
}

char _license[] SEC("license") = "GPL";
