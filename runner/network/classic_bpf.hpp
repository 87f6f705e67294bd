// Classic BPF from libpcap, apart from the eBPF headers: libpcap's struct bpf_insn and the
// kernel's eBPF one share a name, so no file may see both.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ig::runner::network {

// One classic BPF instruction, as libpcap and the kernel's sock_filter lay it out.
struct ClassicInsn {
  uint16_t code;
  uint8_t jt;
  uint8_t jf;
  uint32_t k;
};

// libpcap's program for `expression` on Ethernet frames. Throws Error(InvalidArgument) with
// libpcap's message when the expression does not compile.
std::vector<ClassicInsn> compile_pcap(const std::string& expression);

}  // namespace ig::runner::network
