// Operator-only data sources: the BTF their records are described with, the process table
// read from the real /proc, and gadget.yaml's operator settings patched by custom params.
#include <bpf/btf.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "runner/fields/field_table.hpp"
#include "runner/fields/synthetic_btf.hpp"
#include "runner/stats/bpf_programs.hpp"
#include "runner/stats/cgroups.hpp"
#include "runner/stats/operator_settings.hpp"
#include "runner/stats/processes.hpp"
#include "util/error.hpp"

namespace ig::runner {
namespace {

TEST(RecordLayout, DescribesANaturallyAlignedStructWithTypedefs) {
  fields::RecordLayout layout("sample");
  EXPECT_EQ(layout.add_int("pid", 4, true), 0u);
  EXPECT_EQ(layout.add_string("comm", 5), 4u);
  EXPECT_EQ(layout.add_double("usage"), 16u);
  EXPECT_EQ(layout.add_int("rss_raw", 8, false, "gadget_bytes"), 24u);
  EXPECT_EQ(layout.size(), 32u);
  auto btf = layout.build();
  const int id = btf__find_by_name_kind(btf.get(), "sample", BTF_KIND_STRUCT);
  ASSERT_GT(id, 0);
  EXPECT_EQ(btf__resolve_size(btf.get(), static_cast<uint32_t>(id)), 32);
  // The field table sees the kinds, and the typedef brings the bytes formatter.
  fields::FieldTable table(btf.get(), "sample", nullptr);
  ASSERT_GE(table.find("pid"), 0);
  EXPECT_EQ(table.fields()[table.find("pid")].schema.kind, metadata::FieldKind::Int);
  EXPECT_EQ(table.fields()[table.find("comm")].schema.kind, metadata::FieldKind::String);
  EXPECT_EQ(table.fields()[table.find("usage")].schema.kind, metadata::FieldKind::Float);
  EXPECT_GE(table.find("rss"), 0) << "no formatted field from gadget_bytes";
}

TEST(RecordWriter, TruncatesStringsWithinTheirCapacity) {
  fields::RecordWriter record(8);
  record.put_string(0, 4, "abcdef");
  EXPECT_EQ(std::string(static_cast<const char*>(record.data())), "abc");
}

TEST(ProcessTable, ReadsThisProcess) {
  stats::ProcessTable table;
  table.read();
  // Burn CPU between the reads: the second shows it.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  volatile uint64_t spin = 0;
  while (std::chrono::steady_clock::now() < until) spin = spin + 1;
  const auto processes = table.read();
  const stats::ProcessSample* self = nullptr;
  for (const auto& p : processes) {
    if (p.pid == getpid()) self = &p;
  }
  ASSERT_NE(self, nullptr);
  EXPECT_EQ(self->ppid, getppid());
  EXPECT_EQ(self->uid, getuid());
  EXPECT_GE(self->threads, 1);
  EXPECT_GT(self->memory_rss, 0u);
  EXPECT_GE(self->memory_virtual, self->memory_rss);
  EXPECT_GT(self->cpu_usage, 20.0) << "a busy loop of 300 ms";
  EXPECT_LE(self->cpu_usage_relative, self->cpu_usage);
  struct stat ns = {};
  ASSERT_EQ(stat("/proc/self/ns/mnt", &ns), 0);
  EXPECT_EQ(self->mntns, ns.st_ino);
  EXPECT_GT(self->start_unix_ns, 0);
  EXPECT_LE(self->start_unix_ns, std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch()).count());
}

TEST(ProcessTable, CpuTimeText) {
  EXPECT_EQ(stats::cpu_time_text(0), "0:00.000");
  EXPECT_EQ(stats::cpu_time_text(10816), "1:48.160");  // 108.16 s
}

constexpr char kTopProcess[] = R"(name: top process
operator:
  process:
    emitstats: true
    interval: 3s
    first-interval: 250ms
params:
  custom:
    interval:
      description: "interval to re-read statistics"
      defaultValue: 3s
      patch:
        operator:
          process:
            interval: >-
              {{call .getParamValue "custom.interval"}}
    count:
      defaultValue: 0
      patch:
        operator:
          process:
            count: >-
              {{call .getParamValue "custom.count"}}
)";

TEST(OperatorSettings, CustomParamsPatchTheOperatorsSettings) {
  std::vector<std::string> args = {"--interval", "1s", "--other", "x"};
  const auto values = stats::take_custom_params(kTopProcess, args);
  const auto settings = stats::operator_settings(kTopProcess, "process", values);
  EXPECT_EQ(settings.at("emitstats"), "true");
  EXPECT_EQ(settings.at("first-interval"), "250ms");
  EXPECT_EQ(settings.at("interval"), "1s");
  EXPECT_EQ(settings.at("count"), "0");  // the default
  EXPECT_EQ(args, (std::vector<std::string>{"--other", "x"}));  // what is not theirs stays
  const auto params = stats::custom_params(kTopProcess);
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].key, "interval");
  EXPECT_EQ(params[0].default_value, "3s");
}

TEST(OperatorSettings, AnUnknownParamInAPatchIsAnError) {
  EXPECT_THROW(stats::operator_settings(
                   "params:\n  custom:\n    a:\n      patch:\n        operator:\n          process:\n"
                   "            x: '{{call .getParamValue \"custom.b\"}}'\n",
                   "process", {}),
               Error);
}

}  // namespace
}  // namespace ig::runner

namespace ig::runner {
namespace {

TEST(ProgramTypeName, AsCiliumEbpfNamesThem) {
  EXPECT_EQ(stats::program_type_name(BPF_PROG_TYPE_KPROBE), "Kprobe");
  EXPECT_EQ(stats::program_type_name(BPF_PROG_TYPE_TRACEPOINT), "TracePoint");
  EXPECT_EQ(stats::program_type_name(BPF_PROG_TYPE_SCHED_CLS), "SchedCLS");
  EXPECT_EQ(stats::program_type_name(BPF_PROG_TYPE_TRACING), "Tracing");
  EXPECT_EQ(stats::program_type_name(BPF_PROG_TYPE_LSM), "LSM");
  EXPECT_EQ(stats::program_type_name(999), "ProgramType(999)");
}

}  // namespace
}  // namespace ig::runner

namespace ig::runner {
namespace {

TEST(Cgroups, FindsTheCgroup2Mount) {
  const std::string mountinfo =
      "30 25 0:26 / /sys/fs/cgroup/cpu rw,relatime shared:9 - cgroup cgroup rw,cpu\n"
      "31 25 0:27 / /sys/fs/cgroup/unified rw,relatime shared:10 - cgroup2 cgroup2 rw\n";
  EXPECT_EQ(stats::cgroup2_mount(mountinfo), "/sys/fs/cgroup/unified");
  EXPECT_EQ(stats::cgroup2_mount("30 25 0:26 / /x rw - cgroup cgroup rw,cpu\n"), "");
}

TEST(Cgroups, ReadsLimitedGroupsOfProcesses) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "ig-cgroups-test";
  std::filesystem::remove_all(dir);
  const auto write = [](const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
  };
  write(dir / "proc/10/cgroup", "1:name=systemd:/x\n0::/limited\n");
  write(dir / "proc/11/cgroup", "0::/free\n");
  write(dir / "proc/12/cgroup", "0::/limited\n");
  write(dir / "cg/limited/cpu.max", "10000 100000\n");
  write(dir / "cg/limited/cpu.stat", "usage_usec 5\nnr_periods 40\nnr_throttled 30\nthrottled_usec 2500\n");
  write(dir / "cg/limited/cpu.pressure", "some avg10=12.50 avg60=3.25 avg300=1.00 total=9\nfull avg10=0.00\n");
  write(dir / "cg/free/cpu.max", "max 100000\n");
  write(dir / "cg/free/cpu.stat", "nr_periods 0\n");
  const auto groups = stats::limited_cgroups((dir / "proc").string(), (dir / "cg").string());
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].path, "/limited");
  EXPECT_EQ(groups[0].quota_usec, 10000);
  EXPECT_EQ(groups[0].period_usec, 100000u);
  EXPECT_EQ(groups[0].nr_periods, 40u);
  EXPECT_EQ(groups[0].nr_throttled, 30u);
  EXPECT_EQ(groups[0].throttled_usec, 2500u);
  EXPECT_TRUE(groups[0].psi);
  EXPECT_DOUBLE_EQ(groups[0].psi_some_avg10, 12.5);
  EXPECT_DOUBLE_EQ(groups[0].psi_some_avg60, 3.25);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ig::runner
