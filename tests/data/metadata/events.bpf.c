/* Event structs for the metadata and runner unit tests. The gadget typedefs are declared
 * here (same names and underlying types as include/gadget/types.h) so the tests do not
 * depend on that header; clang emits the BTF the tests parse. */
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef int __s32;
typedef long long __s64;

typedef __u64 gadget_mntns_id;
typedef __u32 gadget_netns_id;
typedef __u64 gadget_timestamp;
typedef __u32 gadget_signal;
typedef __u32 gadget_errno;
typedef __u32 gadget_uid;
typedef __u32 gadget_gid;
typedef __u64 gadget_syscall;
typedef __u32 gadget_file_mode;
typedef __u32 gadget_file_flags;
typedef __u32 gadget_pid;
typedef __u32 gadget_ppid;
typedef __u32 gadget_tid;
typedef __u32 gadget_ptid;
typedef char gadget_comm;
typedef char gadget_pcomm;
typedef __u64 gadget_bytes;
typedef __u64 gadget_duration;

struct gadget_user_stack {
	__u32 major;
	__u32 minor;
	__u64 inode;
	__u64 mtime_sec;
	__u32 mtime_nsec;
	__u32 base_addr_hash;
	__u32 stack_id;
	__u32 tgid_level0;
	__u32 pid_level0;
	__u32 pidns_level0;
	__u32 pid_level1;
	__u32 pidns_level1;
	__u64 otel_correlation_id;
	__u64 boot_timestamp;
};

struct gadget_creds {
	gadget_uid uid;
	gadget_gid gid;
};

struct gadget_parent {
	gadget_pcomm comm[16];
	gadget_ppid pid;
	gadget_ptid tid;
};

struct gadget_process {
	gadget_comm comm[16];
	gadget_pid pid;
	gadget_tid tid;
	gadget_mntns_id mntns_id;
	struct gadget_creds creds;
	struct gadget_parent parent;
};

/* As gadgets/audit_seccomp/program.bpf.c declares it. */
enum code {
	SECCOMP_RET_KILL_PROCESS = 0x80000000U,
	SECCOMP_RET_KILL_THREAD = 0x00000000U,
	SECCOMP_RET_KILL = SECCOMP_RET_KILL_THREAD,
	SECCOMP_RET_TRAP = 0x00030000U,
	SECCOMP_RET_ERRNO = 0x00050000U,
	SECCOMP_RET_USER_NOTIF = 0x7fc00000U,
	SECCOMP_RET_TRACE = 0x7ff00000U,
	SECCOMP_RET_LOG = 0x7ffc0000U,
	SECCOMP_RET_ALLOW = 0x7fff0000U,
	SECCOMP_RET_ACTION_FULL = 0xffff0000U,
};

struct event {
	gadget_timestamp timestamp_raw;
	struct gadget_process proc;
	gadget_syscall syscall_raw;
	enum code code_raw;
	struct gadget_user_stack ustack;
};

enum perm_set {
	PERM_READ = 1,
	PERM_WRITE = 2,
	PERM_EXEC = 4,
};

enum color {
	COLOR_RED = -1,
	COLOR_GREEN = 1,
};

/* Everything else the schema walker and the formatters must handle. */
struct misc_event {
	gadget_timestamp ts;            /* no _raw suffix: converter skipped */
	gadget_signal sig_raw;
	gadget_errno error_raw;
	gadget_file_mode mode_raw;
	gadget_file_flags flags_raw;
	gadget_bytes size_raw;
	gadget_duration latency_raw;
	gadget_uid owner;               /* no _raw: falls back to "user" */
	gadget_gid group_id;            /* no _raw: falls back to "group" */
	char name[8];
	__u8 blob[4];
	__s32 delta;
	_Bool ok;
	enum perm_set perms_raw;
	enum color color_raw;
	union {
		__u32 as_u32;
		__u16 as_u16[2];
	} anon_u;
	union {
		__u32 lo;
		__u64 wide;
	};
	__u32 low:4, high:12;
	__u64 __reserved;
	__s64 offset;
};

/* A packet of a socket filter gadget: a network namespace, and a mount namespace that is 0
 * when the socket enricher knew no owner. */
struct packet_event {
	gadget_netns_id netns_id;
	gadget_mntns_id mntns_id;
	__u16 port;
};

/* A packet copied after the struct (ebpf.rest.*), a DNS message at dns_off, as upstream's
 * trace_dns sends it. */
struct dns_event {
	__u32 data_len;
	__u16 dns_off;
};

/* Keep the structs in BTF. */
struct event *unused_event __attribute__((used));
struct misc_event *unused_misc_event __attribute__((used));
struct packet_event *unused_packet_event __attribute__((used));
struct dns_event *unused_dns_event __attribute__((used));
