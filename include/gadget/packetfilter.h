/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR Apache-2.0 */
/*
 * Packet filters given at run time: GADGET_PF(NAME) declares a filter that the user sets with
 * --pf-NAME (--pf for GADGET_PF()), a pcap expression; gadget_pf_matches([NAME,] skb, data,
 * data_end) says whether the packet [data, data_end) passes it.
 *
 * ig compiles the expression (libpcap, then classic BPF to eBPF) and inserts the code at the
 * start of gadget_pf_NAME when it loads the program (runner/network/). The function's three
 * skb arguments are not redundant: they keep r1-r3 for that code, which leaves the verdict in
 * `data` and zeroes the rest, so the body below returns it. Without a filter the body alone
 * runs: every non-empty packet matches.
 */
#ifndef PACKETFILTER_H
#define PACKETFILTER_H

#define GADGET_PF(name)                                                            \
	static __noinline bool gadget_pf_##name(void *_skb, void *__skb,           \
						void *___skb, void *data,          \
						void *data_end)                    \
	{                                                                          \
		return data != data_end && _skb == __skb && __skb == ___skb;       \
	}

#define __gadget_pf_call(name, skb, data, data_end) \
	gadget_pf_##name(skb, skb, skb, data, data_end)

/* Three arguments: the unnamed filter; four: the one named by the first. */
#define __gadget_pf_pick(_1, _2, _3, _4, chosen, ...) chosen
#define __gadget_pf_unnamed(skb, data, data_end) \
	__gadget_pf_call(, skb, data, data_end)
#define __gadget_pf_wrong_arity(...) \
	_Static_assert(0, "gadget_pf_matches: takes ([name,] skb, data, data_end)")

#define gadget_pf_matches(...)                                                      \
	__gadget_pf_pick(__VA_ARGS__, __gadget_pf_call, __gadget_pf_unnamed,        \
			 __gadget_pf_wrong_arity, __gadget_pf_wrong_arity)(__VA_ARGS__)

#endif /* PACKETFILTER_H */
