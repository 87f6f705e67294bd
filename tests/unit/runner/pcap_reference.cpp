// libpcap's own interpreter, the reference the eBPF translation is compared with (kept apart
// from the eBPF headers: both declare a struct bpf_insn).
#include <pcap/pcap.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

bool pcap_reference_matches(const std::string& expression, const std::vector<unsigned char>& packet) {
  std::unique_ptr<pcap_t, decltype(&pcap_close)> pcap(pcap_open_dead(DLT_EN10MB, 65535), &pcap_close);
  struct bpf_program program {};
  if (pcap_compile(pcap.get(), &program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    throw std::runtime_error(pcap_geterr(pcap.get()));
  }
  struct pcap_pkthdr header {};
  header.caplen = header.len = static_cast<bpf_u_int32>(packet.size());
  const bool match = pcap_offline_filter(&program, &header, packet.data()) != 0;
  pcap_freecode(&program);
  return match;
}
