// Program variants (kprobe/fentry alternatives) and failure descriptions.
#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>
#include <iterator>

#include "runner/program.hpp"

namespace ig::runner {
namespace {

TEST(GroupVariants, PairsKprobeWithFentryAndKretprobeWithFexit) {
  std::vector<ProgramSection> programs = {
      {"a_kprobe", "kprobe/audit_seccomp"},   {"a_fentry", "fentry/audit_seccomp"},
      {"r_fexit", "fexit/audit_seccomp"},     {"r_kretprobe", "kretprobe/audit_seccomp"},
      {"lonely", "kprobe/vfs_read"},          {"other_fentry", "fentry/vfs_write"},
      {"tp", "tracepoint/syscalls/sys_enter_fchmodat"},
  };
  auto groups = group_variants(programs);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].hook, "audit_seccomp");
  EXPECT_EQ(groups[0].preferred, "a_fentry");
  EXPECT_EQ(groups[0].fallback, "a_kprobe");
  EXPECT_EQ(groups[1].hook, "audit_seccomp");
  EXPECT_EQ(groups[1].preferred, "r_fexit");
  EXPECT_EQ(groups[1].fallback, "r_kretprobe");
}

TEST(GroupVariants, EntryNeverPairsWithReturn) {
  auto groups = group_variants({{"k", "kprobe/f"}, {"x", "fexit/f"}});
  EXPECT_TRUE(groups.empty());
}

TEST(GroupVariants, FromACompiledObject) {
  std::ifstream in(IG_TEST_RUNNER_OBJECT, std::ios::binary);
  std::string elf{std::istreambuf_iterator<char>(in), {}};
  auto obj = open_object(elf, "variants");
  auto groups = group_variants(program_sections(obj.get()));
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].preferred, "test_unlink_fentry");
  EXPECT_EQ(groups[0].fallback, "test_unlink_kprobe");
  EXPECT_EQ(groups[1].preferred, "test_unlink_fexit");
  EXPECT_EQ(groups[1].fallback, "test_unlink_kretprobe");
}

TEST(DescribeFailure, NamesTrampolinesForFentryLoadFailures) {
  ProgramFailure failure("x", "p", "fentry/audit_seccomp", EPERM, true);
  EXPECT_EQ(describe_failure(failure),
            "BPF trampolines unavailable (load failed: Operation not permitted)");
}

TEST(DescribeFailure, KernelInternalEnotsuppIsSpelledOut) {
  ProgramFailure failure("x", "p", "fexit/f", 524, true);
  EXPECT_EQ(describe_failure(failure),
            "BPF trampolines unavailable (load failed: Operation not supported (ENOTSUPP))");
}

TEST(DescribeFailure, GenericAttachFailureKeepsTheErrno) {
  ProgramFailure failure("x", "p", "raw_tp/sched_switch", EBUSY, false);
  EXPECT_EQ(describe_failure(failure), "attach failed: Device or resource busy");
}

}  // namespace
}  // namespace ig::runner
