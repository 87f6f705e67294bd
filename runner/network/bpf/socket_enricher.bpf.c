// SPDX-License-Identifier: GPL-2.0
// The socket enricher: keeps the map of include/gadget/sockets-map.h up to date, so that
// network gadgets know which process (and container) owns the socket of a packet. Sockets
// that exist when ig starts come from the ig_se_existing iterator; later ones from kprobes
// on bind, connect and UDP sends. Released sockets are marked and swept by ig a little later:
// packets still in flight find their owner meanwhile.
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 00170000
#define S_IFSOCK 0140000

// Same layout as struct gadget_socket_key.
struct socket_key {
	__u32 netns;
	__u16 family;
	__u8 proto;
	__u16 port;
};

// The fixed fields of struct gadget_socket_value (include/gadget/types.h), which is all this
// enricher fills: gadgets probe the optional cwd and exepath with bpf_core_field_exists().
struct socket_owner {
	__u64 mntns;
	__u64 pid_tgid;
	__u64 uid_gid;
	char task[16];
	char ptask[16];
	__u64 sock;
	__u64 deletion_timestamp;
	__u32 ppid;
	__u32 ptid;
	char ipv6only;
} __attribute__((aligned(8)));
_Static_assert(sizeof(struct socket_owner) == 88, "runner/network/core_target.cpp expects 88");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);  // GADGET_MAX_SOCKETS
	__type(key, struct socket_key);
	__type(value, struct socket_owner);
} gadget_sockets SEC(".maps");

// The socket of a bind() in progress, by thread.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct socket *);
} binding SEC(".maps");

static __always_inline int socket_key_of(struct sock *sk, struct socket_key *key)
{
	struct inet_sock *inet = (struct inet_sock *)sk;

	key->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	key->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	key->proto = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	key->port = bpf_ntohs(BPF_CORE_READ(inet, inet_sport));
	if (key->family != AF_INET && key->family != AF_INET6)
		return -1;
	if (key->proto != IPPROTO_TCP && key->proto != IPPROTO_UDP)
		return -1;
	return key->port == 0 ? -1 : 0;
}

// Records `task` as the owner of `sk`, unless a live entry exists already (every UDP send
// comes here: the common case must stay a lookup).
static __always_inline void insert_socket(struct sock *sk, struct task_struct *task)
{
	struct socket_owner owner = {};
	struct socket_key key = {};
	struct socket_owner *known;
	struct task_struct *parent;

	if (socket_key_of(sk, &key) != 0)
		return;
	known = bpf_map_lookup_elem(&gadget_sockets, &key);
	if (known && known->deletion_timestamp == 0 && known->sock == (__u64)sk)
		return;

	parent = BPF_CORE_READ(task, real_parent);
	owner.mntns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	owner.pid_tgid = (__u64)BPF_CORE_READ(task, tgid) << 32 | (__u32)BPF_CORE_READ(task, pid);
	owner.uid_gid = (__u64)BPF_CORE_READ(task, cred, gid.val) << 32 |
			BPF_CORE_READ(task, cred, uid.val);
	BPF_CORE_READ_STR_INTO(&owner.task, task, comm);
	BPF_CORE_READ_STR_INTO(&owner.ptask, parent, comm);
	owner.sock = (__u64)sk;
	owner.ppid = BPF_CORE_READ(parent, tgid);
	owner.ptid = BPF_CORE_READ(parent, pid);
	if (key.family == AF_INET6)
		owner.ipv6only = BPF_CORE_READ_BITFIELD_PROBED(sk, __sk_common.skc_ipv6only);
	bpf_map_update_elem(&gadget_sockets, &key, &owner, BPF_ANY);
}

static __always_inline void insert_current_socket(struct sock *sk)
{
	insert_socket(sk, (struct task_struct *)bpf_get_current_task());
}

static __always_inline int release_socket(struct socket *sock)
{
	struct sock *sk = BPF_CORE_READ(sock, sk);
	struct socket_key key = {};
	struct socket_owner *known;

	if (!sk || socket_key_of(sk, &key) != 0)
		return 0;
	known = bpf_map_lookup_elem(&gadget_sockets, &key);
	if (known && known->sock == (__u64)sk && known->deletion_timestamp == 0)
		known->deletion_timestamp = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int bind_entry(struct socket *sock)
{
	__u64 thread = bpf_get_current_pid_tgid();

	bpf_map_update_elem(&binding, &thread, &sock, BPF_ANY);
	return 0;
}

static __always_inline int bind_exit(struct pt_regs *ctx)
{
	__u64 thread = bpf_get_current_pid_tgid();
	struct socket **sock = bpf_map_lookup_elem(&binding, &thread);

	if (!sock)
		return 0;
	if (PT_REGS_RC(ctx) == 0)
		insert_current_socket(BPF_CORE_READ(*sock, sk));
	bpf_map_delete_elem(&binding, &thread);
	return 0;
}

SEC("kprobe/inet_bind")
int BPF_KPROBE(ig_se_bind4, struct socket *sock) { return bind_entry(sock); }

SEC("kretprobe/inet_bind")
int BPF_KRETPROBE(ig_se_bind4_ret) { return bind_exit(ctx); }

SEC("kprobe/inet6_bind")
int BPF_KPROBE(ig_se_bind6, struct socket *sock) { return bind_entry(sock); }

SEC("kretprobe/inet6_bind")
int BPF_KRETPROBE(ig_se_bind6_ret) { return bind_exit(ctx); }

// The local port is chosen by now (inet_hash_connect runs before tcp_connect).
SEC("kprobe/tcp_connect")
int BPF_KPROBE(ig_se_connect, struct sock *sk)
{
	insert_current_socket(sk);
	return 0;
}

// inet_sendmsg binds an unbound UDP socket before it calls udp_sendmsg.
SEC("kprobe/udp_sendmsg")
int BPF_KPROBE(ig_se_udp4_send, struct sock *sk)
{
	insert_current_socket(sk);
	return 0;
}

SEC("kprobe/udpv6_sendmsg")
int BPF_KPROBE(ig_se_udp6_send, struct sock *sk)
{
	insert_current_socket(sk);
	return 0;
}

SEC("kprobe/inet_release")
int BPF_KPROBE(ig_se_release4, struct socket *sock) { return release_socket(sock); }

SEC("kprobe/inet6_release")
int BPF_KPROBE(ig_se_release6, struct socket *sock) { return release_socket(sock); }

// Every socket open when ig starts, with the task holding it. Writes nothing.
SEC("iter/task_file")
int ig_se_existing(struct bpf_iter__task_file *ctx)
{
	struct file *file = ctx->file;
	struct task_struct *task = ctx->task;
	struct socket *sock;
	struct sock *sk;

	if (!file || !task)
		return 0;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return 0;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (sk)
		insert_socket(sk, task);
	return 0;
}

char _license[] SEC("license") = "GPL";
