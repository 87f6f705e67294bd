/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR Apache-2.0 */
/*
 * The socket enricher's map, as gadgets see it: which process (and so which container) owns
 * the socket a packet or a kernel socket belongs to. ig fills it (runner/network/) and hands
 * it to the gadget in place of the gadget's own empty copy.
 *
 * Shared by networking (socket filter, TC) and tracing programs: it includes neither
 * <vmlinux.h> nor <linux/ip.h> itself, the gadget includes one of them first.
 */
#ifndef SOCKETS_MAP_H
#define SOCKETS_MAP_H

#if !defined(__VMLINUX_H__) && !defined(_LINUX_TYPES_H)
#error "Include <linux/types.h> or <vmlinux.h> before including this file."
#endif

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <gadget/types.h>

#define GADGET_SE_PACKET_HOST 0
#define GADGET_SE_ETH_HLEN 14
#define GADGET_SE_ETH_P_IP 0x0800
#define GADGET_SE_ETH_P_IPV6 0x86DD
#define GADGET_SE_AF_INET 2
#define GADGET_SE_AF_INET6 10

#define GADGET_SE_IPV6_HLEN 40
#define GADGET_SE_IPV6_NEXTHDR_OFFSET 6
#define GADGET_SE_TCPHDR_DEST_OFFSET 2
#define GADGET_SE_TCPHDR_SOURCE_OFFSET 0
#define GADGET_SE_UDPHDR_DEST_OFFSET 2
#define GADGET_SE_UDPHDR_SOURCE_OFFSET 0

#define GADGET_SE_NEXTHDR_HOP 0
#define GADGET_SE_NEXTHDR_TCP 6
#define GADGET_SE_NEXTHDR_UDP 17
#define GADGET_SE_NEXTHDR_ROUTING 43
#define GADGET_SE_NEXTHDR_FRAGMENT 44
#define GADGET_SE_NEXTHDR_AUTH 51
#define GADGET_SE_NEXTHDR_NONE 59
#define GADGET_SE_NEXTHDR_DEST 60

/* A local endpoint: the network namespace, family, protocol and local port (host order). */
struct gadget_socket_key {
	__u32 netns;
	__u16 family;
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	__u16 port;
};

#define GADGET_MAX_SOCKETS 16384
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, GADGET_MAX_SOCKETS);
	__type(key, struct gadget_socket_key);
	__type(value, struct gadget_socket_value);
} gadget_sockets SEC(".maps");

/* The socket a packet belongs to, or NULL. */
static __always_inline struct gadget_socket_value *
gadget_socket_lookup_by_key(struct gadget_socket_key *key)
{
	struct gadget_socket_value *found = bpf_map_lookup_elem(&gadget_sockets, key);
	if (found || key->family != GADGET_SE_AF_INET)
		return found;
	/* An IPv4 packet may belong to a dual-stack IPv6 socket. */
	key->family = GADGET_SE_AF_INET6;
	found = bpf_map_lookup_elem(&gadget_sockets, key);
	return found && !found->ipv6only ? found : 0;
}

#ifdef GADGET_TYPE_NETWORKING
/* Offset of the transport header after the IPv6 extension headers ipv6_ext_hdr() knows (at
 * most 6), with *proto updated; -1 when there is no TCP or UDP header. */
static __always_inline int gadget_se_skip_ipv6_extensions(const struct __sk_buff *skb,
							  int offset, __u8 *proto)
{
#pragma unroll
	for (int i = 0; i < 6; i++) {
		__u8 next, len;

		if (*proto == GADGET_SE_NEXTHDR_TCP || *proto == GADGET_SE_NEXTHDR_UDP)
			return offset;
		if (bpf_skb_load_bytes(skb, offset, &next, 1) < 0)
			return -1;
		switch (*proto) {
		case GADGET_SE_NEXTHDR_FRAGMENT:
			offset += 8;
			break;
		case GADGET_SE_NEXTHDR_AUTH:
			if (bpf_skb_load_bytes(skb, offset + 1, &len, 1) < 0)
				return -1;
			offset += 4 * (len + 2);
			break;
		case GADGET_SE_NEXTHDR_HOP:
		case GADGET_SE_NEXTHDR_ROUTING:
		case GADGET_SE_NEXTHDR_DEST:
			if (bpf_skb_load_bytes(skb, offset + 1, &len, 1) < 0)
				return -1;
			offset += 8 * (len + 1);
			break;
		default:
			return -1;
		}
		*proto = next;
	}
	return *proto == GADGET_SE_NEXTHDR_TCP || *proto == GADGET_SE_NEXTHDR_UDP ? offset : -1;
}

/*
 * The socket of an Ethernet frame: ingress packets by their destination port, egress by their
 * source port. For TC programs, where skb->pkt_type does not tell the direction.
 */
static __always_inline struct gadget_socket_value *
gadget_socket_lookup_with_direction(const struct __sk_buff *skb, __u8 is_ingress)
{
	struct gadget_socket_key key = {};
	__u16 h_proto;
	__u8 first;
	int l4;

	key.netns = skb->cb[0]; /* set by ig's dispatcher program */
	if (bpf_skb_load_bytes(skb, 12, &h_proto, sizeof(h_proto)) < 0)
		return 0;
	if (h_proto == bpf_htons(GADGET_SE_ETH_P_IP)) {
		key.family = GADGET_SE_AF_INET;
		if (bpf_skb_load_bytes(skb, GADGET_SE_ETH_HLEN, &first, 1) < 0 ||
		    bpf_skb_load_bytes(skb, GADGET_SE_ETH_HLEN + 9, &key.proto, 1) < 0)
			return 0;
		l4 = GADGET_SE_ETH_HLEN + (first & 0x0f) * 4; /* IHL, in 32-bit words */
	} else if (h_proto == bpf_htons(GADGET_SE_ETH_P_IPV6)) {
		key.family = GADGET_SE_AF_INET6;
		if (bpf_skb_load_bytes(skb, GADGET_SE_ETH_HLEN + GADGET_SE_IPV6_NEXTHDR_OFFSET,
				       &key.proto, 1) < 0)
			return 0;
		l4 = gadget_se_skip_ipv6_extensions(skb, GADGET_SE_ETH_HLEN + GADGET_SE_IPV6_HLEN,
						    &key.proto);
		if (l4 < 0)
			return 0;
	} else {
		return 0;
	}
	if (key.proto != GADGET_SE_NEXTHDR_TCP && key.proto != GADGET_SE_NEXTHDR_UDP)
		return 0;
	/* TCP and UDP both start with the source port, then the destination port. */
	if (bpf_skb_load_bytes(skb, l4 + (is_ingress ? 2 : 0), &key.port, sizeof(key.port)) < 0)
		return 0;
	key.port = bpf_ntohs(key.port);
	return gadget_socket_lookup_by_key(&key);
}

/* For socket filters: skb->pkt_type says whether the packet came in for this host. */
static __always_inline struct gadget_socket_value *
gadget_socket_lookup(const struct __sk_buff *skb)
{
	return gadget_socket_lookup_with_direction(skb,
						   skb->pkt_type == GADGET_SE_PACKET_HOST);
}
#endif

#ifdef GADGET_TYPE_TRACING
/* The socket enricher's entry for kernel socket `sk` of network namespace `netns`. */
static __always_inline struct gadget_socket_value *
gadget_socket_lookup(const struct sock *sk, __u32 netns)
{
	struct gadget_socket_key key = {};
	const struct inet_sock *inet = (const struct inet_sock *)sk;

	key.netns = netns;
	key.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	key.proto = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	if (key.proto != IPPROTO_TCP && key.proto != IPPROTO_UDP)
		return 0;
	key.port = bpf_ntohs(BPF_CORE_READ(inet, inet_sport));
	return bpf_map_lookup_elem(&gadget_sockets, &key);
}
#endif

/* Fills the process fields of an event from the socket's owner (nothing when unknown). */
static __always_inline void
gadget_process_populate_from_socket(const struct gadget_socket_value *owner,
				    struct gadget_process *p)
{
	if (!owner)
		return;
	__builtin_memcpy(p->comm, owner->task, sizeof(p->comm));
	p->pid = owner->pid_tgid >> 32;
	p->tid = (__u32)owner->pid_tgid;
	p->mntns_id = owner->mntns;
	p->creds.uid = (__u32)owner->uid_gid;
	p->creds.gid = owner->uid_gid >> 32;
	__builtin_memcpy(p->parent.comm, owner->ptask, sizeof(p->parent.comm));
	p->parent.pid = owner->ppid;
	p->parent.tid = bpf_core_field_exists(owner->ptid) ? owner->ptid : 0;
}

#endif /* SOCKETS_MAP_H */
