// SPDX-License-Identifier: GPL-2.0
// One per network namespace: stamps the namespace into skb->cb[0], where sockets-map.h's
// lookups read it, and tail-calls the gadget's socket filter, which is loaded once for all.
#include <linux/bpf.h>
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

char _license[] SEC("license") = "GPL";
