// Packet filters of upstream's packetfilter.h: a pcap expression (--pf, --pf-NAME) compiled by
// libpcap to classic BPF, translated to eBPF and run at the start of the gadget's
// gadget_pf_NAME(skb, skb, skb, data, data_end) function. The translation keeps that
// function's calling convention: the packet is [r4, r5) and r1 the skb; r0-r5 are clobbered,
// and the code ends with r1 = r2 = r3 = r5 = 0 and r4 = the verdict, so that the function's own
// body (`data != data_end && ...`) returns whether the packet matched.
#pragma once

#include <linux/bpf.h>

#include <string>
#include <vector>

#include "runner/network/classic_bpf.hpp"

namespace ig::runner::network {

// The eBPF translation of a classic program (see the file comment for registers). Throws
// Error(InvalidArgument) for an instruction it cannot translate (Linux's ancillary loads).
std::vector<struct bpf_insn> classic_to_ebpf(const std::vector<ClassicInsn>& program);

// compile_pcap, then classic_to_ebpf.
std::vector<struct bpf_insn> compile_packet_filter(const std::string& expression);

}  // namespace ig::runner::network
