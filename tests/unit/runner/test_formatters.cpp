#include <bpf/btf.h>
#include <gtest/gtest.h>
#include <seccomp.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "runner/format/formatters.hpp"

namespace ig::runner::format {
namespace {

template <typename F, typename V>
std::string run(F f, V v) {
  std::string out;
  f(out, v);
  return out;
}

TEST(Formatters, SyscallNamesFromLibseccomp) {
  SyscallNames names;
  const int unshare = seccomp_syscall_resolve_name("unshare");
  ASSERT_GE(unshare, 0);
  std::string out;
  names.append(out, static_cast<uint64_t>(unshare));
  EXPECT_EQ(out, "SYS_UNSHARE");
  out.clear();
  names.append(out, static_cast<uint64_t>(unshare));  // cached path
  EXPECT_EQ(out, "SYS_UNSHARE");
  out.clear();
  names.append(out, 3999);
  EXPECT_EQ(out, "SYS_UNKNOWN");
  out.clear();
  names.append(out, uint64_t{1} << 40);
  EXPECT_EQ(out, "SYS_UNKNOWN");
}

std::string ip(std::initializer_list<int> bytes, uint8_t version) {
  std::string raw(16, '\0');
  size_t i = 0;
  for (int b : bytes) raw[i++] = static_cast<char>(b);
  std::string out;
  append_ip_address(out, raw, version);
  return out;
}

TEST(Formatters, IpAddressesAsGoPrintsThem) {
  EXPECT_EQ(ip({127, 0, 0, 1}, 4), "127.0.0.1");
  EXPECT_EQ(ip({}, 6), "::");
  EXPECT_EQ(ip({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 6), "::1");
  EXPECT_EQ(ip({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 6), "fe80::1");
  // IPv4-mapped: dotted, as net.IP.String(); IPv4-compatible stays hex.
  EXPECT_EQ(ip({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3}, 6), "10.1.2.3");
  EXPECT_EQ(ip({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, 6), "::102:304");
  // One zero group is not shortened; of two equal runs the first is.
  EXPECT_EQ(ip({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, 6),
            "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(ip({0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1}, 6), "2001::1:0:0:1:1");
  EXPECT_EQ(ip({1, 2, 3, 4}, 0), "");  // unknown version
}

TEST(Formatters, IpProtocols) {
  std::string out;
  append_ip_protocol(out, 6);
  append_ip_protocol(out, 17);
  append_ip_protocol(out, 58);
  append_ip_protocol(out, 250);
  EXPECT_EQ(out, "TCPUDPIPv6-ICMPproto#250");
}

TEST(Formatters, Errno) {
  EXPECT_EQ(run(append_errno_name, 0u), "");
  EXPECT_EQ(run(append_errno_name, 2u), "ENOENT");
  EXPECT_EQ(run(append_errno_name, 13u), "EACCES");
  EXPECT_EQ(run(append_errno_name, 4000u), "error#4000");
}

TEST(Formatters, Signal) {
  EXPECT_EQ(run(append_signal_name, 9u), "SIGKILL");
  EXPECT_EQ(run(append_signal_name, 6u), "SIGABRT");
  EXPECT_EQ(run(append_signal_name, 0u), "signal#0");
  EXPECT_EQ(run(append_signal_name, 64u), "signal#64");
}

TEST(Formatters, FileModeAsGoFileMode) {
  EXPECT_EQ(run(append_file_mode, 0644u), "-rw-r--r--");
  // Linux type bits are not Go's: a regular file's S_IFREG does not show.
  EXPECT_EQ(run(append_file_mode, 0100755u), "-rwxr-xr-x");
  EXPECT_EQ(run(append_file_mode, (1u << 31) | 0700u), "drwx------");
}

TEST(Formatters, FileFlags) {
  EXPECT_EQ(run(append_file_flags, 0u), "O_RDONLY");
  EXPECT_EQ(run(append_file_flags, 01101u), "O_WRONLY|O_CREAT|O_TRUNC");
  EXPECT_EQ(run(append_file_flags, 02000002u), "O_RDWR|O_CLOEXEC");
}

TEST(Formatters, BytesLikeGoHumanize) {
  EXPECT_EQ(run(append_bytes, uint64_t{5}), "5 B");
  EXPECT_EQ(run(append_bytes, uint64_t{999}), "999 B");
  EXPECT_EQ(run(append_bytes, uint64_t{1234}), "1.2 kB");
  EXPECT_EQ(run(append_bytes, uint64_t{12345678}), "12 MB");
}

TEST(Formatters, Duration) {
  EXPECT_EQ(run(append_duration, uint64_t{999}), "999ns");
  EXPECT_EQ(run(append_duration, uint64_t{1500}), "1.50\xC2\xB5s");
  EXPECT_EQ(run(append_duration, uint64_t{2500000}), "2.50ms");
  EXPECT_EQ(run(append_duration, uint64_t{1500000000}), "1.5s");
  EXPECT_EQ(run(append_duration, uint64_t{3723000000000}), "1h2m3s");
  EXPECT_EQ(run(append_duration, uint64_t{60000000000}), "1m0s");
}

TEST(Formatters, GoDurationString) {
  // time.Duration(n).String() values.
  EXPECT_EQ(run(append_go_duration, uint64_t{0}), "0s");
  EXPECT_EQ(run(append_go_duration, uint64_t{999}), "999ns");
  EXPECT_EQ(run(append_go_duration, uint64_t{1500}), "1.5\xC2\xB5s");
  EXPECT_EQ(run(append_go_duration, uint64_t{10595180}), "10.59518ms");
  EXPECT_EQ(run(append_go_duration, uint64_t{2000000}), "2ms");
  EXPECT_EQ(run(append_go_duration, uint64_t{61500000000}), "1m1.5s");
  EXPECT_EQ(run(append_go_duration, uint64_t{3723000000000}), "1h2m3s");
}

TEST(Formatters, UsersAndGroupsFromFiles) {
  const std::string dir = ::testing::TempDir();
  const std::string passwd = dir + "/ig_test_passwd";
  const std::string group = dir + "/ig_test_group";
  std::ofstream(passwd)
      << "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n"
      << "bad line\nalias:x:1000:1000::/:/bin/sh\n";
  std::ofstream(group) << "root:x:0:\nstaff:x:50:alice\n";
  UserGroupNames names(passwd, group);
  std::string out;
  names.append_user(out, 1000);
  EXPECT_EQ(out, "alice");  // first entry wins
  out.clear();
  names.append_user(out, 4242);
  EXPECT_EQ(out, "uid:4242");
  out.clear();
  names.append_group(out, 50);
  EXPECT_EQ(out, "staff");
  out.clear();
  names.append_group(out, 7);
  EXPECT_EQ(out, "gid:7");
  std::remove(passwd.c_str());
  std::remove(group.c_str());
}

struct BtfDeleter {
  void operator()(struct btf* b) const { btf__free(b); }
};

class EnumFormatter : public ::testing::Test {
 protected:
  void SetUp() override {
    btf_.reset(btf__parse(IG_TEST_EVENTS_OBJECT, nullptr));
    ASSERT_NE(btf_, nullptr);
  }
  uint32_t enum_id(const char* name) {
    const int id = btf__find_by_name_kind(btf_.get(), name, BTF_KIND_ENUM);
    EXPECT_GT(id, 0) << name;
    return static_cast<uint32_t>(id);
  }
  std::string name(const EnumNames& e, uint64_t v) {
    std::string out;
    e.append(out, v);
    return out;
  }
  std::unique_ptr<struct btf, BtfDeleter> btf_;
};

TEST_F(EnumFormatter, FirstMatchInDeclarationOrder) {
  const EnumNames code(btf_.get(), enum_id("code"), nullptr, "");
  EXPECT_EQ(name(code, 0), "SECCOMP_RET_KILL_THREAD");
  EXPECT_EQ(name(code, 0x7ffc0000), "SECCOMP_RET_LOG");
  EXPECT_EQ(name(code, 0x80000000), "SECCOMP_RET_KILL_PROCESS");
  EXPECT_EQ(name(code, 5), "UNKNOWN");
  EXPECT_FALSE(code.is_set());
}

TEST_F(EnumFormatter, SetEnumsJoinMatches) {
  const EnumNames perms(btf_.get(), enum_id("perm_set"), nullptr, "");
  EXPECT_TRUE(perms.is_set());
  EXPECT_EQ(name(perms, 5), "PERM_READ|PERM_EXEC");
  const EnumNames comma(btf_.get(), enum_id("perm_set"), nullptr, ",");
  EXPECT_EQ(name(comma, 3), "PERM_READ,PERM_WRITE");
}

TEST_F(EnumFormatter, NegativeEnumerator) {
  const EnumNames color(btf_.get(), enum_id("color"), nullptr, "");
  EXPECT_EQ(name(color, 0xFFFFFFFFu), "COLOR_RED");
  EXPECT_EQ(name(color, 1), "COLOR_GREEN");
}

TEST_F(EnumFormatter, KernelEnumReplacesGadgetEnum) {
  // A second BTF that declares `enum code` differently stands in for the kernel's.
  std::unique_ptr<struct btf, BtfDeleter> kernel(btf__new_empty());
  const int u32 = btf__add_int(kernel.get(), "unsigned int", 4, 0);
  ASSERT_GT(u32, 0);
  ASSERT_GT(btf__add_enum(kernel.get(), "code", 4), 0);
  ASSERT_EQ(btf__add_enum_value(kernel.get(), "KERNEL_ZERO", 0), 0);
  const EnumNames code(btf_.get(), enum_id("code"), kernel.get(), "");
  EXPECT_EQ(name(code, 0), "KERNEL_ZERO");
  EXPECT_EQ(name(code, 0x7ffc0000), "UNKNOWN");
}

TEST(Formatters, BootClockAddsOffset) {
  const BootClock clock(1000);
  EXPECT_EQ(clock.to_wall(5), 1005);
  const BootClock real;
  const int64_t now = real.to_wall(0);  // 0 means now
  EXPECT_GT(now, int64_t{1600000000} * 1000000000);
}

// fuzz_events found it: a record's garbage timestamp overflowed the addition (UBSan).
TEST(Formatters, BootClockSaturatesGarbageTimestamps) {
  const BootClock clock(INT64_C(1796607023650348870));
  EXPECT_EQ(clock.to_wall(UINT64_C(7740398493674204011)), INT64_MAX);
  EXPECT_EQ(clock.to_wall(UINT64_MAX), INT64_MAX);
  EXPECT_EQ(BootClock(-10).to_wall(15), 5);
}

}  // namespace
}  // namespace ig::runner::format
