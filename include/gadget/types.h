/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Types user space recognises by their BTF name: fields of these types get formatters,
 * templates and enrichment (names as in upstream pkg/operators/ebpf/types).
 */
#ifndef __TYPES_H
#define __TYPES_H

/* vmlinux.h defines bool itself; without it take the C one. */
#if !defined(__VMLINUX_H__)
#include <stdbool.h>
#endif

#ifndef TASK_COMM_LEN
#define TASK_COMM_LEN 16
#endif

/* An IPv4 or IPv6 address. */
union gadget_ip_addr_t {
	__u8 v6[16];
	unsigned __int128 v6_raw;
	__u32 v4;
};

struct gadget_l3endpoint_t {
	union gadget_ip_addr_t addr_raw;
	__u8 version; /* 4 or 6 */
};

struct gadget_l4endpoint_t {
	union gadget_ip_addr_t addr_raw;
	__u16 port;      /* host byte order */
	__u16 proto_raw; /* IP protocol number */
	__u8 version;    /* 4 or 6 */
};

typedef __u64 gadget_mntns_id;  /* mount namespace inode: drives container enrichment */
typedef __u32 gadget_netns_id;  /* network namespace inode */
typedef __u64 gadget_timestamp; /* bpf_ktime_get_boot_ns(); shown as wall-clock time */
typedef __u32 gadget_signal;    /* shown as SIGxxx */
typedef __u32 gadget_errno;     /* shown as Exxx */
typedef __u32 gadget_uid;       /* resolved to a user name */
typedef __u32 gadget_gid;       /* resolved to a group name */
typedef __u64 gadget_syscall;   /* shown as SYS_xxx */
typedef __u32 gadget_file_mode; /* shown like -rw-r--r-- */
typedef __u32 gadget_file_flags; /* shown like O_RDONLY|O_CLOEXEC */
typedef __u32 gadget_kernel_stack; /* id in ig_kstack */

typedef __u32 gadget_pid;
typedef __u32 gadget_ppid;
typedef __u32 gadget_tid;
typedef __u32 gadget_ptid;
typedef char gadget_comm;
typedef char gadget_pcomm;
typedef __u64 gadget_bytes;
typedef __u64 gadget_duration;

/* Metrics. */
typedef __u32 gadget_counter__u32;
typedef __u64 gadget_counter__u64;
typedef __u32 gadget_gauge__u32;
typedef __u64 gadget_gauge__u64;
typedef __u32 gadget_histogram_slot__u32;
typedef __u64 gadget_histogram_slot__u64;

/*
 * Identity of a user stack: user space resolves stack_id in ig_ustack and symbolises it with
 * the executable named by (major, minor, inode, mtime). All zero when collection is off.
 * Member order and types are part of the wire format.
 */
struct gadget_user_stack {
	__u32 major;
	__u32 minor;
	__u64 inode;
	__u64 mtime_sec;
	__u32 mtime_nsec;
	__u32 base_addr_hash; /* FNV-1a of (mm, start_code, start_stack) */
	__u32 stack_id;
	/* pids seen from the first two pid namespace levels, for hosts whose /proc is not in
	 * the initial pid namespace */
	__u32 tgid_level0;
	__u32 pid_level0;
	__u32 pidns_level0;
	__u32 pid_level1;
	__u32 pidns_level1;
	__u64 otel_correlation_id;
	__u64 boot_timestamp; /* when the stack was taken */
};

struct gadget_creds {
	gadget_uid uid;
	gadget_gid gid;
};

struct gadget_parent {
	gadget_pcomm comm[TASK_COMM_LEN];
	gadget_ppid pid;
	gadget_ptid tid;
};

struct gadget_process {
	gadget_comm comm[TASK_COMM_LEN];
	gadget_pid pid;
	gadget_tid tid;
	gadget_mntns_id mntns_id;
	struct gadget_creds creds;
	struct gadget_parent parent;
};

#define GADGET_SE_PATH_MAX 4096

/*
 * Value of the socket enricher's map. preserve_access_index so gadgets get CO-RE relocations;
 * the optional tail must be probed with bpf_core_field_exists().
 */
struct gadget_socket_value {
	__u64 mntns;
	__u64 pid_tgid;
	__u64 uid_gid;
	char task[TASK_COMM_LEN];
	char ptask[TASK_COMM_LEN];
	__u64 sock;
	__u64 deletion_timestamp;
	__u32 ppid;
	__u32 ptid;
	char ipv6only;

	char optional_fields_start[0] __attribute__((aligned(8)));
	char cwd[GADGET_SE_PATH_MAX];
	char exepath[GADGET_SE_PATH_MAX];
} __attribute__((preserve_access_index));

#endif /* __TYPES_H */
