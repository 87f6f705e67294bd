// The pcap -> classic BPF -> eBPF translation, run by the kernel (BPF_PROG_TEST_RUN of a
// classifier program) and compared with libpcap's interpreter on the same frames.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "runner/network/filter_injection.hpp"
#include "runner/network/packet_filter.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

bool pcap_reference_matches(const std::string& expression, const std::vector<unsigned char>& packet);

namespace ig::runner::network {
namespace {

using Frame = std::vector<unsigned char>;

void put16(Frame& f, size_t at, uint16_t v) { f[at] = v >> 8, f[at + 1] = v & 0xff; }

// Ethernet + IPv4 (header of `ihl` words) + TCP/UDP/ICMP header and `payload` bytes.
Frame ipv4(uint8_t protocol, uint16_t sport, uint16_t dport, uint8_t ihl = 5, size_t payload = 16,
           uint8_t ttl = 64, uint16_t fragment = 0) {
  const size_t l4 = protocol == 6 ? 20 : 8;
  Frame f(14 + ihl * 4 + l4 + payload, 0);
  f[0] = 0x02, f[5] = 0x01;   // dst 02:00:00:00:00:01
  f[6] = 0x02, f[11] = 0x02;  // src 02:00:00:00:00:02
  put16(f, 12, 0x0800);
  f[14] = 0x40 | ihl;
  put16(f, 16, static_cast<uint16_t>(f.size() - 14));
  put16(f, 20, fragment);
  f[22] = ttl, f[23] = protocol;
  const unsigned char src[] = {10, 0, 0, 1}, dst[] = {192, 168, 7, 9};
  std::memcpy(&f[26], src, 4);
  std::memcpy(&f[30], dst, 4);
  const size_t t = 14 + ihl * 4;
  put16(f, t, sport);
  put16(f, t + 2, dport);
  if (protocol == 6) f[t + 12] = 0x50, f[t + 13] = 0x02;  // SYN
  return f;
}

Frame ipv6_tcp(uint16_t dport) {
  Frame f(14 + 40 + 20, 0);
  put16(f, 12, 0x86dd);
  f[14] = 0x60;
  put16(f, 18, 20);
  f[20] = 6, f[21] = 64;
  f[22] = 0xfe, f[23] = 0x80, f[37] = 1;  // src fe80::1
  f[38] = 0xfe, f[39] = 0x80, f[53] = 2;  // dst fe80::2
  put16(f, 56, dport);
  f[66] = 0x50, f[67] = 0x10;
  return f;
}

Frame arp() {
  Frame f(42, 0);
  put16(f, 12, 0x0806);
  return f;
}

Frame vlan_udp(uint16_t dport) {
  Frame plain = ipv4(17, 1234, dport);
  Frame f(plain.begin(), plain.begin() + 12);
  f.push_back(0x81), f.push_back(0x00), f.push_back(0x00), f.push_back(0x05);
  f.insert(f.end(), plain.begin() + 12, plain.end());
  return f;
}

std::vector<Frame> frames() {
  Frame truncated = ipv4(6, 40000, 80);
  truncated.resize(40);  // TCP header cut short (the kernel's test run wants a whole IPv4 header)
  return {ipv4(6, 40000, 80),      ipv4(6, 22, 50000),           ipv4(17, 5353, 53),
          ipv4(17, 1500, 1999, 6), ipv4(1, 0, 0),                 ipv4(6, 1, 443, 5, 600),
          ipv4(17, 9, 9, 5, 4, 0), ipv4(17, 53, 53, 5, 16, 64, 0x2001),
          ipv6_tcp(80),            ipv6_tcp(8080),               arp(),
          vlan_udp(53),            truncated};
}

// The classifier program the kernel runs: r4/r5 = the packet, the filter, verdict in r0.
UniqueFd load_harness(const std::vector<struct bpf_insn>& filter) {
  std::vector<struct bpf_insn> program = {
      {BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, offsetof(struct __sk_buff, data), 0},
      {BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, offsetof(struct __sk_buff, data_end), 0},
  };
  program.insert(program.end(), filter.begin(), filter.end());
  program.push_back({BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_4, 0, 0});
  program.push_back({BPF_JMP | BPF_EXIT, 0, 0, 0, 0});
  static char log[65536];
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_level = 1, .log_size = sizeof log, .log_buf = log);
  log[0] = '\0';
  UniqueFd fd(bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "ig_pf_test", "GPL", program.data(),
                            program.size(), &opts));
  if (fd.get() < 0) {
    ADD_FAILURE() << "the verifier refused the filter: " << std::strerror(errno) << "\n" << log;
  }
  return fd;
}

bool kernel_matches(int prog_fd, const Frame& frame) {
  LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame.data(),
              .data_size_in = static_cast<uint32_t>(frame.size()), .repeat = 1);
  EXPECT_EQ(bpf_prog_test_run_opts(prog_fd, &run), 0) << std::strerror(errno);
  return run.retval != 0;
}

TEST(PacketFilterTest, KernelAgreesWithLibpcapOnEveryFrame) {
  const char* expressions[] = {
      "tcp", "udp port 53", "tcp dst port 80", "host 10.0.0.1", "src net 10.0.0.0/8 and not port 22",
      "ip6 and tcp dst port 80", "arp", "icmp", "greater 100", "less 60",
      "tcp[tcpflags] & tcp-syn != 0", "ip[2:2] > 500", "vlan and udp port 53",
      "ether host 02:00:00:00:00:01", "portrange 1000-2000", "udp[8:4] = 0",
      "ip[0] & 0xf > 5", "ip[6:2] & 0x1fff = 0", "ip[2:2] - 20 > 40", "ip[2:2] / 3 > 10",
      "ip[2:2] * 3 > 100", "ip[2:2] % 7 = 3", "ip[2:2] / ip[8] > 1", "ip[2:2] % ip[8] > 1",
      "ip[2:2] >> 1 > 20", "ip[2:2] << 1 > 200", "ip[1] ^ 0xff = 0xff", "ip[2:2] - ip[0] * 4 > 30",
      "ip[8] | 1 = 65 or ip[8] & 1 = 1", "len >= 60 and len <= 1000", "tcp[2:2] = 443",
      "ip host 192.168.7.9 and (udp or icmp)", "not ip"};
  const auto all = frames();
  for (const char* expression : expressions) {
    SCOPED_TRACE(expression);
    UniqueFd prog = load_harness(compile_packet_filter(expression));
    if (prog.get() < 0) continue;
    for (size_t i = 0; i < all.size(); ++i) {
      EXPECT_EQ(kernel_matches(prog.get(), all[i]), pcap_reference_matches(expression, all[i]))
          << "frame " << i;
    }
  }
}

TEST(PacketFilterTest, RefusesWhatLibpcapRefusesNamingTheExpression) {
  try {
    compile_packet_filter("tcp port banana");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("packet filter \"tcp port banana\""), std::string::npos)
        << e.what();
  }
}

TEST(PacketFilterTest, AncillaryLoadsAreRefused) {
  // ld [SKF_AD_OFF + SKF_AD_PROTOCOL]; ret a
  const std::vector<ClassicInsn> program = {{BPF_LD | BPF_H | BPF_ABS, 0, 0, 0xfffff000u},
                                            {BPF_RET | 0x10, 0, 0, 0}};
  EXPECT_THROW(classic_to_ebpf(program), Error);
}

TEST(FilterInjectionTest, CallsAcrossTheInsertionPointAreReAimed) {
  const struct bpf_insn call_filter = {BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 3};  // -> 4
  const struct bpf_insn call_after = {BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 4};   // -> 6
  const struct bpf_insn exit_insn = {BPF_JMP | BPF_EXIT, 0, 0, 0, 0};
  const struct bpf_insn nop = {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0};
  const struct bpf_insn jump = {BPF_JMP | BPF_JA, 0, 0, 1, 0};
  // 0 call 4; 1 call 6; 2 nop; 3 exit; 4 (filter fn) ja +1; 5 nop; 6 exit (later fn: call back)
  std::vector<struct bpf_insn> program = {call_filter, call_after, nop, exit_insn,
                                          jump,        nop,        exit_insn};
  program.push_back({BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, -4});  // 7 -> 4
  insert_instructions(program, 4, {nop, nop});
  ASSERT_EQ(program.size(), 10u);
  EXPECT_EQ(program[0].imm, 3);   // still enters at 4, now the inserted code
  EXPECT_EQ(program[1].imm, 6);   // 8 (was 6)
  EXPECT_EQ(program[6].off, 1);   // jumps within the function keep their offset
  EXPECT_EQ(program[9].imm, -6);  // from 9 back to 4
  std::vector<unsigned char> records(16);
  const uint32_t offsets[] = {0, 4, 6, 7};
  for (int i = 0; i < 4; ++i) std::memcpy(&records[i * 4], &offsets[i], 4);
  shift_records(records, 4, 4, 2);
  uint32_t shifted[4];
  std::memcpy(shifted, records.data(), sizeof shifted);
  EXPECT_EQ(shifted[0], 0u);
  EXPECT_EQ(shifted[1], 4u);
  EXPECT_EQ(shifted[2], 8u);
  EXPECT_EQ(shifted[3], 9u);
}

}  // namespace
}  // namespace ig::runner::network
