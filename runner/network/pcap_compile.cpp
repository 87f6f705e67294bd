// libpcap's struct bpf_insn collides with the kernel's eBPF one: libpcap stays in this file.
#include <pcap/pcap.h>

#include <cstring>
#include <memory>

#include "runner/network/classic_bpf.hpp"
#include "util/error.hpp"

namespace ig::runner::network {

std::vector<ClassicInsn> compile_pcap(const std::string& expression) {
  constexpr int kSnaplen = 65535;
  std::unique_ptr<pcap_t, decltype(&pcap_close)> pcap(pcap_open_dead(DLT_EN10MB, kSnaplen),
                                                      &pcap_close);
  if (!pcap) throw Error(ErrorCode::Internal, "libpcap: pcap_open_dead failed");
  struct bpf_program program {};
  if (pcap_compile(pcap.get(), &program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    throw Error(ErrorCode::InvalidArgument,
                "packet filter \"" + expression + "\": " + pcap_geterr(pcap.get()));
  }
  static_assert(sizeof(ClassicInsn) == sizeof(struct bpf_insn));
  std::vector<ClassicInsn> out(program.bf_len);
  std::memcpy(out.data(), program.bf_insns, program.bf_len * sizeof(struct bpf_insn));
  pcap_freecode(&program);
  return out;
}

}  // namespace ig::runner::network
