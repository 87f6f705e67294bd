/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User stacks. gadget_get_user_stack() fills a struct gadget_user_stack with the stack id in
 * ig_ustack plus what user space needs to symbolise it: the executable's identity (device,
 * inode, mtime), a hash of the address-space base and the pids in the first two pid
 * namespaces. Everything stays zero unless --collect-ustack is given.
 */
#ifndef __USER_STACK_MAP_H
#define __USER_STACK_MAP_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include <gadget/types.h>
#include <gadget/macros.h>
#include <gadget/fnv1a.h>
#include <gadget/core_fixes.bpf.h>

const volatile bool collect_ustack = false;
GADGET_PARAM(collect_ustack);

const volatile bool collect_build_id = false;
GADGET_PARAM(collect_build_id);

const volatile bool collect_otel_stack = false;
GADGET_PARAM(collect_otel_stack);

/* max_entries of ig_build_id, applied by user space before load */
const volatile int ig_build_id_max_entries = 1024;
GADGET_PARAM(ig_build_id_max_entries);

#define GADGET_USER_MAX_STACK_DEPTH 127
#define GADGET_USER_STACK_MAP_MAX_ENTRIES 10000

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(u32));
	__uint(value_size, GADGET_USER_MAX_STACK_DEPTH * sizeof(u64));
	__uint(max_entries, GADGET_USER_STACK_MAP_MAX_ENTRIES);
} ig_ustack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(key_size, sizeof(u32));
	__uint(value_size, GADGET_USER_MAX_STACK_DEPTH * sizeof(struct bpf_stack_build_id));
	__uint(max_entries, 0); /* set from ig_build_id_max_entries */
} ig_build_id SEC(".maps");

static const struct bpf_stack_build_id ig_empty_build_id[GADGET_USER_MAX_STACK_DEPTH] = {};

/* Written by the OpenTelemetry profiler's program during the tail call below. */
struct generic_param {
	u64 correlation_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct generic_param);
} otel_generic_params SEC(".maps");

/* One prog array per program type: a prog array only accepts programs of one type. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32);
	__array(values, int());
} otel_tc_kprobe SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32);
	__array(values, int());
} otel_tc_perf SEC(".maps");

/* inode mtime layouts: timespec (< v4.18), timespec64 i_mtime (< v6.7), __i_mtime (< v6.11),
 * i_mtime_sec/i_mtime_nsec (>= v6.11). */
struct timespec___obsolete {
	__kernel_old_time_t tv_sec;
	long tv_nsec;
};

struct inode___with_timespec {
	struct timespec___obsolete i_mtime;
};

struct inode___with_timespec64 {
	struct timespec64 i_mtime;
};

struct inode___with_timespec64_underscore {
	struct timespec64 __i_mtime;
};

struct inode___with_two_fields {
	time64_t i_mtime_sec;
	u32 i_mtime_nsec;
};

static __always_inline void gadget_inode_get_mtime(struct inode *inode, __u64 *mtime_sec,
						   __u32 *mtime_nsec)
{
	/* The same name had different types, so check the size as well as the name. */
	if (bpf_core_field_exists(struct inode___with_two_fields, i_mtime_sec) &&
	    bpf_core_field_size(struct inode___with_two_fields, i_mtime_sec) == sizeof(time64_t)) {
		struct inode___with_two_fields *i = (void *)inode;

		*mtime_sec = BPF_CORE_READ(i, i_mtime_sec);
		*mtime_nsec = BPF_CORE_READ(i, i_mtime_nsec);
	} else if (bpf_core_field_exists(struct inode___with_timespec64_underscore, __i_mtime) &&
		   bpf_core_field_size(struct inode___with_timespec64_underscore, __i_mtime) ==
			   sizeof(struct timespec64)) {
		struct inode___with_timespec64_underscore *i = (void *)inode;

		*mtime_sec = BPF_CORE_READ(i, __i_mtime.tv_sec);
		*mtime_nsec = BPF_CORE_READ(i, __i_mtime.tv_nsec);
	} else if (bpf_core_field_exists(struct inode___with_timespec64, i_mtime) &&
		   bpf_core_field_size(struct inode___with_timespec64, i_mtime) ==
			   sizeof(struct timespec64)) {
		struct inode___with_timespec64 *i = (void *)inode;

		*mtime_sec = BPF_CORE_READ(i, i_mtime.tv_sec);
		*mtime_nsec = BPF_CORE_READ(i, i_mtime.tv_nsec);
	} else if (bpf_core_field_exists(struct inode___with_timespec, i_mtime) &&
		   bpf_core_field_size(struct inode___with_timespec, i_mtime) ==
			   sizeof(struct timespec___obsolete)) {
		struct inode___with_timespec *i = (void *)inode;

		*mtime_sec = BPF_CORE_READ(i, i_mtime.tv_sec);
		*mtime_nsec = BPF_CORE_READ(i, i_mtime.tv_nsec);
	} else {
		*mtime_sec = 0;
		*mtime_nsec = 0;
	}
}

/* Changes whenever execve maps a new image; differs between processes because of ASLR. */
static __always_inline u32 gadget_get_base_addr_hash(struct task_struct *task)
{
	u32 hash = fnv_32a_init();

	fnv_32a_update_u64(&hash, (u64)BPF_CORE_READ(task, mm));
	fnv_32a_update_u64(&hash, (u64)BPF_CORE_READ(task, mm, start_code));
	fnv_32a_update_u64(&hash, (u64)BPF_CORE_READ(task, mm, start_stack));
	return hash;
}

/*
 * Where the frames' code comes from, recorded at event time: a process that exits before user
 * space reads the event (one killed by seccomp, say) no longer has a /proc/PID/maps. For each
 * file mapping a stack passes through, ig_ustack_mappings keeps the mapping's range and file,
 * and ig_ustack_files the file's path from the root of its filesystem, which user space opens
 * through any mount of that filesystem (also the layers below a container's overlay). Both are
 * LRU maps: old processes' entries make room for new ones. Layouts are read by
 * runner/ustack/kernel_mappings.cpp.
 */
#define GADGET_USTACK_PATH_SIZE 512 /* longest path recorded, NUL included; a power of two */
#define GADGET_USTACK_PATH_DEPTH 40 /* deeper paths are not recorded */

struct gadget_ustack_mapping_key {
	__u32 tgid;
	__u32 base_addr_hash;
	__u64 vm_start;
};

struct gadget_ustack_file_key {
	__u32 dev; /* kernel encoding, as in struct gadget_user_stack */
	__u32 mtime_nsec;
	__u64 inode;
	__u64 mtime_sec;
};

struct gadget_ustack_mapping {
	__u64 vm_end;
	__u64 vm_pgoff; /* file offset of vm_start, in pages */
	struct gadget_ustack_file_key file;
};

struct gadget_ustack_file {
	/* The path is path[path_start .. GADGET_USTACK_PATH_SIZE - 1], NUL-terminated, written
	 * right to left; the buffer is twice the size so the verifier can bound each write. */
	__u32 path_start;
	__u32 complete; /* 0: too long or too deep, not usable */
	char path[2 * GADGET_USTACK_PATH_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct gadget_ustack_mapping_key);
	__type(value, struct gadget_ustack_mapping);
} ig_ustack_mappings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct gadget_ustack_file_key);
	__type(value, struct gadget_ustack_file);
} ig_ustack_files SEC(".maps");

/* (tgid, base_addr_hash, stack_id) already recorded: later events of that stack skip the walk. */
struct gadget_ustack_seen_key {
	__u32 tgid;
	__u32 base_addr_hash;
	__u32 stack_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct gadget_ustack_seen_key);
	__type(value, __u8);
} ig_ustack_seen SEC(".maps");

/* Per-CPU scratch: the frames of the stack being recorded and the mapping found last. */
struct gadget_ustack_scratch {
	__u64 ips[GADGET_USER_MAX_STACK_DEPTH + 1]; /* a power of two, so an index can be masked */
	__u64 last_start; /* consecutive frames often share a mapping */
	__u64 last_end;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct gadget_ustack_scratch);
} ig_ustack_scratch SEC(".maps");

static const struct gadget_ustack_file ig_empty_ustack_file = {};

/*
 * The VMA holding `addr`, found by walking the mm's VMA tree directly: bpf_find_vma() would
 * need a callback, and a program with one does not even load on kernels before v5.13. The
 * reads are unlocked probe reads; a mapping changed concurrently can give a wrong answer,
 * which user space rejects by checking the file's inode and mtime.
 */

/* Before v6.1: a red-black tree. */
struct mm_struct___rb {
	struct rb_root mm_rb;
};

struct vm_area_struct___rb {
	struct rb_node vm_rb;
};

static __always_inline struct vm_area_struct *gadget_ustack_find_vma_rb(struct mm_struct *mm,
									u64 addr)
{
	struct mm_struct___rb *rb_mm = (void *)mm;
	struct rb_node *node = BPF_CORE_READ(rb_mm, mm_rb.rb_node);
	u64 offset = bpf_core_field_offset(struct vm_area_struct___rb, vm_rb);

	for (int depth = 0; depth < 48 && node; depth++) {
		struct vm_area_struct *vma = (void *)node - offset;

		if (addr < BPF_CORE_READ(vma, vm_end)) {
			if (addr >= BPF_CORE_READ(vma, vm_start))
				return vma;
			node = BPF_CORE_READ(node, rb_left);
		} else {
			node = BPF_CORE_READ(node, rb_right);
		}
	}
	return NULL;
}

/* Since v6.1: a maple tree (lib/maple_tree.c: mtree_lookup_walk). Encoded node pointers
 * carry the node type in bits 3-6, the root's also 0x2 in its low bits; leaves hold the VMA
 * pointers. */
#define GADGET_MAPLE_NODE_MASK 255UL
#define GADGET_MAPLE_TYPE_SHIFT 3
#define GADGET_MAPLE_TYPE_MASK 15
#define GADGET_MAPLE_MAX_DEPTH 8
#define GADGET_MAPLE_RANGE64_PIVOTS 15
#define GADGET_MAPLE_ARANGE64_PIVOTS 9

static __always_inline struct vm_area_struct *gadget_ustack_find_vma_mt(struct mm_struct *mm,
									u64 addr)
{
	const u32 leaf_64 = bpf_core_enum_value(enum maple_type, maple_leaf_64);
	const u32 range_64 = bpf_core_enum_value(enum maple_type, maple_range_64);
	const u32 arange_64 = bpf_core_enum_value(enum maple_type, maple_arange_64);
	unsigned long entry = (unsigned long)BPF_CORE_READ(mm, mm_mt.ma_root);
	unsigned long max = ~0UL;
	unsigned long pivots[GADGET_MAPLE_RANGE64_PIVOTS];

	if ((entry & 3) != 2 || entry < 4096)
		return NULL; /* the root is a single entry, not a node: no VMA tree to speak of */
	for (int depth = 0; depth < GADGET_MAPLE_MAX_DEPTH; depth++) {
		void *node = (void *)(entry & ~GADGET_MAPLE_NODE_MASK);
		u32 type = (entry >> GADGET_MAPLE_TYPE_SHIFT) & GADGET_MAPLE_TYPE_MASK;
		u32 end, offset;

		if (entry < 4096)
			return NULL;
		if (type == arange_64) {
			struct maple_arange_64 *n = node;

			__builtin_memset(pivots, 0, sizeof(pivots));
			bpf_core_read(pivots, GADGET_MAPLE_ARANGE64_PIVOTS * sizeof(pivots[0]),
				      &n->pivot);
			end = BPF_CORE_READ(n, meta.end);
		} else if (type == range_64 || type == leaf_64) {
			struct maple_range_64 *n = node;

			bpf_core_read(pivots, sizeof(pivots), &n->pivot);
			/* ma_data_end(): the metadata shares the last slot, used only when free */
			if (pivots[GADGET_MAPLE_RANGE64_PIVOTS - 1] == 0)
				end = BPF_CORE_READ(n, meta.end);
			else if (pivots[GADGET_MAPLE_RANGE64_PIVOTS - 1] == max)
				end = GADGET_MAPLE_RANGE64_PIVOTS - 1;
			else
				end = GADGET_MAPLE_RANGE64_PIVOTS;
		} else {
			return NULL;
		}
		/* the first slot whose pivot (inclusive upper bound) reaches addr, else the last */
		offset = end;
		for (u32 i = 0; i < GADGET_MAPLE_RANGE64_PIVOTS; i++) {
			if (i >= end)
				break;
			if (pivots[i] >= addr) {
				offset = i;
				max = pivots[i];
				break;
			}
		}
		if (type == arange_64) {
			struct maple_arange_64 *n = node;

			if (offset > GADGET_MAPLE_ARANGE64_PIVOTS)
				return NULL;
			entry = (unsigned long)BPF_CORE_READ(n, slot[offset]);
		} else {
			struct maple_range_64 *n = node;

			if (offset > GADGET_MAPLE_RANGE64_PIVOTS)
				return NULL;
			entry = (unsigned long)BPF_CORE_READ(n, slot[offset]);
		}
		if (type == leaf_64) {
			struct vm_area_struct *vma = (void *)entry;

			if (vma && addr >= BPF_CORE_READ(vma, vm_start) &&
			    addr < BPF_CORE_READ(vma, vm_end))
				return vma;
			return NULL;
		}
	}
	return NULL;
}

/* Path of `file` from its filesystem's root: mount points are not crossed on purpose, user
 * space finds the mount itself. */
static __always_inline void gadget_ustack_record_path(struct file *file,
						      struct gadget_ustack_file *out)
{
	const u32 half = GADGET_USTACK_PATH_SIZE;
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	u32 pos = half - 1; /* path[half - 1] stays the terminating NUL */

	for (int depth = 0; depth < GADGET_USTACK_PATH_DEPTH; depth++) {
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		struct qstr name;

		if (!parent || parent == dentry) {
			out->complete = pos < half - 1;
			break;
		}
		name = BPF_CORE_READ(dentry, d_name);
		if (name.len == 0 || name.len + 1 > pos)
			break;
		pos -= name.len + 1;
		out->path[pos & (half - 1)] = '/';
		bpf_probe_read_kernel(&out->path[(pos + 1) & (half - 1)], name.len & (half - 1),
				      name.name);
		dentry = parent;
	}
	out->path_start = pos;
}

/*
 * Records the mapping of frame `index` of the scratch stack for process image (tgid,
 * base_addr_hash). A global function: the verifier checks it once, not once per frame.
 */
__attribute__((noinline)) int gadget_ustack_record_frame(u32 index, u32 tgid, u32 base_addr_hash)
{
	struct gadget_ustack_mapping_key key = {};
	struct gadget_ustack_mapping mapping = {};
	struct gadget_ustack_scratch *scratch;
	struct gadget_ustack_file *recorded;
	struct vm_area_struct *vma;
	struct task_struct *task;
	struct mm_struct *mm;
	struct inode *inode;
	struct file *file;
	const u32 zero = 0;
	u64 ip, start, end;

	scratch = bpf_map_lookup_elem(&ig_ustack_scratch, &zero);
	if (!scratch)
		return 0;
	ip = scratch->ips[index & GADGET_USER_MAX_STACK_DEPTH];
	if (ip == 0 || (ip >= scratch->last_start && ip < scratch->last_end))
		return 0;

	task = (struct task_struct *)bpf_get_current_task();
	mm = BPF_CORE_READ(task, mm);
	if (!mm)
		return 0;
	if (bpf_core_field_exists(struct mm_struct___rb, mm_rb))
		vma = gadget_ustack_find_vma_rb(mm, ip);
	else
		vma = gadget_ustack_find_vma_mt(mm, ip);
	if (!vma)
		return 0;
	start = BPF_CORE_READ(vma, vm_start);
	end = BPF_CORE_READ(vma, vm_end);
	scratch->last_start = start;
	scratch->last_end = end;
	file = BPF_CORE_READ(vma, vm_file);
	if (!file)
		return 0;

	key.tgid = tgid;
	key.base_addr_hash = base_addr_hash;
	key.vm_start = start;
	if (bpf_map_lookup_elem(&ig_ustack_mappings, &key))
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	mapping.vm_end = end;
	mapping.vm_pgoff = BPF_CORE_READ(vma, vm_pgoff);
	mapping.file.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	mapping.file.inode = BPF_CORE_READ(inode, i_ino);
	gadget_inode_get_mtime(inode, &mapping.file.mtime_sec, &mapping.file.mtime_nsec);
	bpf_map_update_elem(&ig_ustack_mappings, &key, &mapping, BPF_ANY);

	if (bpf_map_lookup_elem(&ig_ustack_files, &mapping.file) ||
	    bpf_map_update_elem(&ig_ustack_files, &mapping.file, &ig_empty_ustack_file,
				BPF_NOEXIST))
		return 0;
	recorded = bpf_map_lookup_elem(&ig_ustack_files, &mapping.file);
	if (recorded)
		gadget_ustack_record_path(file, recorded);
	return 0;
}

static __always_inline void gadget_ustack_record_mappings(void *ctx, struct gadget_user_stack *ustack)
{
	struct gadget_ustack_seen_key seen = {};
	struct gadget_ustack_scratch *scratch;
	const u32 zero = 0;
	const u8 one = 1;

	if ((int)ustack->stack_id < 0)
		return;
	seen.tgid = ustack->tgid_level0;
	seen.base_addr_hash = ustack->base_addr_hash;
	seen.stack_id = ustack->stack_id;
	if (bpf_map_update_elem(&ig_ustack_seen, &seen, &one, BPF_NOEXIST))
		return;
	scratch = bpf_map_lookup_elem(&ig_ustack_scratch, &zero);
	if (!scratch)
		return;
	if (bpf_get_stack(ctx, scratch->ips, GADGET_USER_MAX_STACK_DEPTH * sizeof(__u64),
			  BPF_F_USER_STACK) <= 0)
		return;
	scratch->last_start = 0;
	scratch->last_end = 0;
	for (u32 i = 0; i < GADGET_USER_MAX_STACK_DEPTH; i++) {
		if (scratch->ips[i] == 0)
			break;
		gadget_ustack_record_frame(i, ustack->tgid_level0, ustack->base_addr_hash);
	}
}

/* Separate subprograms so each program type references only its own prog array. */
static __attribute__((noinline)) int gadget_fetch_otel_stack_from_kprobe(void *ctx)
{
	bpf_tail_call(ctx, &otel_tc_kprobe, 0);
	return 0;
}

static __attribute__((noinline)) int gadget_fetch_otel_stack_from_perf_event(void *ctx)
{
	bpf_tail_call(ctx, &otel_tc_perf, 0);
	return 0;
}

/* Everything but the OTel correlation id, which depends on the program type. */
static __always_inline void __gadget_fill_user_stack(void *ctx, struct gadget_user_stack *ustack)
{
	struct task_struct *task;
	struct inode *inode;
	struct pid *thread_pid;
	struct upid *numbers;
	unsigned int level;
	dev_t dev;

	__builtin_memset(ustack, 0, sizeof(*ustack));
	if (!collect_ustack)
		return;

	ustack->stack_id = bpf_get_stackid(ctx, &ig_ustack, BPF_F_FAST_STACK_CMP | BPF_F_USER_STACK);
	ustack->boot_timestamp = bpf_ktime_get_boot_ns();

	task = (struct task_struct *)bpf_get_current_task();
	inode = BPF_CORE_READ(task, mm, exe_file, f_inode);

	thread_pid = BPF_CORE_READ(task, thread_pid);
	level = BPF_CORE_READ(thread_pid, level);
	/* numbers[] changed from a fixed array to a flexible one (v6.5): take its address */
	numbers = (struct upid *)&thread_pid->numbers;
	ustack->tgid_level0 = BPF_CORE_READ(task, tgid);
	ustack->pid_level0 = BPF_CORE_READ(numbers, nr);
	ustack->pidns_level0 = BPF_CORE_READ(numbers, ns, ns.inum);
	if (level >= 1) {
		numbers += 1;
		ustack->pid_level1 = BPF_CORE_READ(numbers, nr);
		ustack->pidns_level1 = BPF_CORE_READ(numbers, ns, ns.inum);
	}

	/* kernel dev_t: 12-bit major above a 20-bit minor (not the user-space st_dev encoding) */
	dev = BPF_CORE_READ(inode, i_sb, s_dev);
	ustack->major = (u32)(dev >> 20);
	ustack->minor = (u32)(dev & ((1U << 20) - 1));
	ustack->inode = (u64)BPF_CORE_READ(inode, i_ino);
	gadget_inode_get_mtime(inode, &ustack->mtime_sec, &ustack->mtime_nsec);
	ustack->base_addr_hash = gadget_get_base_addr_hash(task);
	gadget_ustack_record_mappings(ctx, ustack);

	if (collect_build_id && (int)ustack->stack_id >= 0) {
		struct bpf_stack_build_id *build_id;

		/* the first event with this stack id records the build ids */
		if (bpf_map_update_elem(&ig_build_id, &ustack->stack_id, &ig_empty_build_id,
					BPF_NOEXIST))
			return;
		build_id = bpf_map_lookup_elem(&ig_build_id, &ustack->stack_id);
		if (!build_id)
			return;
		bpf_get_stack(ctx, build_id,
			      GADGET_USER_MAX_STACK_DEPTH * sizeof(struct bpf_stack_build_id),
			      BPF_F_USER_STACK | BPF_F_USER_BUILD_ID);
	}
}

static __always_inline void __gadget_read_otel_correlation(struct gadget_user_stack *ustack)
{
	const u32 zero = 0;
	struct generic_param *param = bpf_map_lookup_elem(&otel_generic_params, &zero);

	if (param)
		ustack->otel_correlation_id = param->correlation_id;
}

/* For kprobe-type programs (kprobe, kretprobe, uprobe, uretprobe). */
static __always_inline void gadget_get_user_stack_from_kprobe(void *ctx,
							      struct gadget_user_stack *ustack)
{
	__gadget_fill_user_stack(ctx, ustack);
	if (collect_ustack && collect_otel_stack) {
		gadget_fetch_otel_stack_from_kprobe(ctx);
		__gadget_read_otel_correlation(ustack);
	}
}

/* For perf_event programs. */
static __always_inline void gadget_get_user_stack_from_perf_event(void *ctx,
								  struct gadget_user_stack *ustack)
{
	__gadget_fill_user_stack(ctx, ustack);
	if (collect_ustack && collect_otel_stack) {
		gadget_fetch_otel_stack_from_perf_event(ctx);
		__gadget_read_otel_correlation(ustack);
	}
}

/*
 * For program types that cannot tail-call the OTel profiler (tracepoints, fentry, ...): the
 * plain stack only. Asking for OTel stacks makes such a program fail to load rather than
 * silently return no correlation id; with the param unset the verifier prunes the branch.
 */
static __always_inline void gadget_get_user_stack_from_tracepoint(void *ctx,
								  struct gadget_user_stack *ustack)
{
	__gadget_fill_user_stack(ctx, ustack);
	if (collect_ustack && collect_otel_stack)
		bpf_core_unreachable();
}

/*
 * gadget_get_user_stack(ctx, ustack): picks the variant from ctx's static type. Other ctx
 * types are a compile error on purpose; call the matching _from_* helper directly.
 */
#define gadget_get_user_stack(ctx, ustack)                                            \
	_Generic((ctx),                                                               \
		struct bpf_perf_event_data *: gadget_get_user_stack_from_perf_event, \
		struct pt_regs *: gadget_get_user_stack_from_kprobe)((ctx), (ustack))

#endif /* __USER_STACK_MAP_H */
