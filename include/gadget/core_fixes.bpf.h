/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CO-RE helpers for kernel structures that changed across releases. Each helper probes the
 * running kernel's BTF through "flavor" structs (name___suffix, matched by libbpf on the part
 * before "___") and reads whichever layout exists.
 */
#ifndef __CORE_FIXES_BPF_H
#define __CORE_FIXES_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

/*
 * Call in a branch the verifier must never reach on the running kernel: the bogus helper
 * address (the value libbpf and cilium/ebpf use for poisoned instructions) makes the program
 * fail to load if the branch survives dead-code elimination.
 */
static void (*bpf_core_unreachable)(void) = (void *)0xbad2310;

/* task_struct::state became __state (v5.14). */
struct task_struct___o {
	volatile long int state;
} __attribute__((preserve_access_index));

struct task_struct___x {
	unsigned int __state;
} __attribute__((preserve_access_index));

static __always_inline __s64 get_task_state(void *task)
{
	struct task_struct___x *t = task;

	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___o *)task, state);
}

/* bio::bi_disk was replaced by bio::bi_bdev->bd_disk (v5.12). */
struct bio___o {
	struct gendisk *bi_disk;
} __attribute__((preserve_access_index));

struct bio___x {
	struct block_device *bi_bdev;
} __attribute__((preserve_access_index));

static __always_inline struct gendisk *get_gendisk(void *bio)
{
	struct bio___x *b = bio;

	if (bpf_core_field_exists(b->bi_bdev))
		return BPF_CORE_READ(b, bi_bdev, bd_disk);
	return BPF_CORE_READ((struct bio___o *)bio, bi_disk);
}

/* The block_rq_complete tracepoint's record struct was renamed block_rq_completion (v6.0). */
struct trace_event_raw_block_rq_complete___x {
	dev_t dev;
	sector_t sector;
	unsigned int nr_sector;
} __attribute__((preserve_access_index));

struct trace_event_raw_block_rq_completion___x {
	dev_t dev;
	sector_t sector;
	unsigned int nr_sector;
} __attribute__((preserve_access_index));

static __always_inline bool has_block_rq_completion()
{
	return bpf_core_type_exists(struct trace_event_raw_block_rq_completion___x);
}

/* request::rq_disk was removed in favour of request::q->disk (v5.17). */
struct request_queue___x {
	struct gendisk *disk;
} __attribute__((preserve_access_index));

struct request___x {
	struct request_queue___x *q;
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

static __always_inline struct gendisk *get_disk(void *request)
{
	struct request___x *r = request;

	if (bpf_core_field_exists(r->rq_disk))
		return BPF_CORE_READ(r, rq_disk);
	return BPF_CORE_READ(r, q, disk);
}

/* Idmapped mounts (v5.12) added a user namespace as first argument of vfs_create() & co. */
struct renamedata___x {
	struct user_namespace *old_mnt_userns;
} __attribute__((preserve_access_index));

static __always_inline bool renamedata_has_old_mnt_userns_field(void)
{
	return bpf_core_field_exists(struct renamedata___x, old_mnt_userns);
}

/* kmem_free split into kfree and kmem_cache_free records (v6.0). */
struct trace_event_raw_kmem_free___x {
	const void *ptr;
} __attribute__((preserve_access_index));

struct trace_event_raw_kfree___x {
	const void *ptr;
} __attribute__((preserve_access_index));

struct trace_event_raw_kmem_cache_free___x {
	const void *ptr;
} __attribute__((preserve_access_index));

static __always_inline bool has_kfree()
{
	return bpf_core_type_exists(struct trace_event_raw_kfree___x);
}

static __always_inline bool has_kmem_cache_free()
{
	return bpf_core_type_exists(struct trace_event_raw_kmem_cache_free___x);
}

/* Some kernels give tcp_retransmit_skb its own record struct instead of tcp_event_sk_skb. */
struct trace_event_raw_tcp_retransmit_skb___x {
	struct trace_entry ent;
	const void *skbaddr;
	const void *skaddr;
} __attribute__((preserve_access_index));

static __always_inline const struct sk_buff *gadget_get_tcp_retransmit_skb_skbaddr(void *ctx)
{
	if (bpf_core_type_exists(struct trace_event_raw_tcp_retransmit_skb___x))
		return BPF_CORE_READ((struct trace_event_raw_tcp_retransmit_skb___x *)ctx, skbaddr);
	return BPF_CORE_READ((struct trace_event_raw_tcp_event_sk_skb *)ctx, skbaddr);
}

static __always_inline const struct sock *gadget_get_tcp_retransmit_skb_skaddr(void *ctx)
{
	if (bpf_core_type_exists(struct trace_event_raw_tcp_retransmit_skb___x))
		return BPF_CORE_READ((struct trace_event_raw_tcp_retransmit_skb___x *)ctx, skaddr);
	return BPF_CORE_READ((struct trace_event_raw_tcp_event_sk_skb *)ctx, skaddr);
}

/* inode ctime: i_ctime (< v6.6), __i_ctime (v6.6-v6.10), i_ctime_sec/i_ctime_nsec (>= v6.11). */
struct inode___older_v66 {
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));

struct inode___older_v611 {
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

struct inode___v611 {
	time64_t i_ctime_sec;
	u32 i_ctime_nsec;
} __attribute__((preserve_access_index));

/* Multigrain timestamps (v6.13) keep a flag in the top bit of i_ctime_nsec. */
#define I_CTIME_QUERIED (1U << 31)

static __always_inline u64 gadget_get_ctime_nanosec_from_inode(struct inode *inode)
{
	struct inode___v611 *v611 = (void *)inode;
	struct inode___older_v611 *v66 = (void *)inode;
	struct inode___older_v66 *old = (void *)inode;
	time64_t sec;
	u32 nsec;

	if (bpf_core_field_exists(v611->i_ctime_sec)) {
		sec = BPF_CORE_READ(v611, i_ctime_sec);
		nsec = BPF_CORE_READ(v611, i_ctime_nsec);
	} else if (bpf_core_field_exists(v66->__i_ctime)) {
		sec = BPF_CORE_READ(v66, __i_ctime.tv_sec);
		nsec = BPF_CORE_READ(v66, __i_ctime.tv_nsec);
	} else {
		sec = BPF_CORE_READ(old, i_ctime.tv_sec);
		nsec = BPF_CORE_READ(old, i_ctime.tv_nsec);
	}
	if (sec < 0)
		return 0;
	return (u64)sec * 1000000000ULL + (nsec & ~I_CTIME_QUERIED);
}

/*
 * Syscall number and arguments from the pt_regs of a syscall entry. The pt_regs layout is
 * per architecture (not relocatable), hence the compile-time choice.
 */
static __always_inline long gadget_get_syscall_nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return BPF_CORE_READ(regs, orig_ax);
#elif defined(__TARGET_ARCH_arm64)
	return (long)BPF_CORE_READ(regs, syscallno);
#else
	return -1;
#endif
}

/* libbpf < 1.3 has no 6th syscall argument accessor. */
#ifndef PT_REGS_PARM6_CORE_SYSCALL
#if defined(__TARGET_ARCH_x86)
#define PT_REGS_PARM6_CORE_SYSCALL(x) BPF_CORE_READ(x, r9)
#elif defined(__TARGET_ARCH_arm64)
#define PT_REGS_PARM6_CORE_SYSCALL(x) BPF_CORE_READ(x, regs[5])
#else
#define PT_REGS_PARM6_CORE_SYSCALL(x) 0
#endif
#endif

static __always_inline unsigned long gadget_get_syscall_arg(struct pt_regs *regs,
							    unsigned int arg_id)
{
	switch (arg_id) {
	case 1: return PT_REGS_PARM1_CORE_SYSCALL(regs);
	case 2: return PT_REGS_PARM2_CORE_SYSCALL(regs);
	case 3: return PT_REGS_PARM3_CORE_SYSCALL(regs);
	case 4: return PT_REGS_PARM4_CORE_SYSCALL(regs);
	case 5: return PT_REGS_PARM5_CORE_SYSCALL(regs);
	case 6: return PT_REGS_PARM6_CORE_SYSCALL(regs);
	default: return 0;
	}
}

#endif /* __CORE_FIXES_BPF_H */
