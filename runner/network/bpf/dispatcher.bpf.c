// SPDX-License-Identifier: GPL-2.0
// One per network namespace (socket filters) or interface (classifiers): stamps the namespace
// into skb->cb[0], where sockets-map.h's lookups read it, and tail-calls the gadget's program,
// which is loaded once for all. ig loads one of the two programs per object.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 current_netns = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} tail_call SEC(".maps");

SEC("socket")
int ig_net_dispatch(struct __sk_buff *skb)
{
	skb->cb[0] = current_netns;
	bpf_tail_call(skb, &tail_call, 0);
	return 0;  // no gadget program: the packet is not captured
}

SEC("tc")
int ig_tc_dispatch(struct __sk_buff *skb)
{
	skb->cb[0] = current_netns;
	bpf_tail_call(skb, &tail_call, 0);
	return TC_ACT_UNSPEC;  // the packet goes on as if no filter were there
}

char _license[] SEC("license") = "GPL";
