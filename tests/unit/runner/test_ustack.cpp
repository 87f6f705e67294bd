// The pure parts of --collect-ustack's user-space side: /proc/PID/maps and mountinfo parsing,
// and finding a file recorded by the kernel (path from its filesystem's root) through mounts.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runner/kstack/kernel_stacks.hpp"
#include "runner/ustack/file_open.hpp"
#include "runner/ustack/kernel_mappings.hpp"
#include "runner/ustack/symbolizer.hpp"

namespace ig::runner::ustack {
namespace {

TEST(ParseMaps, KeepsFileMappingsWithDeviceAndOffset) {
  const auto maps = parse_maps(
      "55d4c6a00000-55d4c6a01000 r--p 00000000 fe:00 1311 /usr/bin/true\n"
      "55d4c6a01000-55d4c6a05000 r-xp 00001000 fe:00 1311 /usr/bin/true\n"
      "55d4c7a00000-55d4c7a21000 rw-p 00000000 00:00 0 [heap]\n"
      "7f00aa000000-7f00aa001000 r-xp 00002000 00:2a 77 /tmp/with space (deleted)\n");
  ASSERT_EQ(maps.size(), 3u);
  EXPECT_EQ(maps[1].start, 0x55d4c6a01000u);
  EXPECT_EQ(maps[1].offset, 0x1000u);
  EXPECT_EQ(maps[1].dev_major, 0xfeu);
  EXPECT_EQ(maps[1].dev_minor, 0u);
  EXPECT_EQ(maps[1].inode, 1311u);
  EXPECT_FALSE(maps[1].recorded);
  EXPECT_EQ(maps[2].path, "/tmp/with space (deleted)");
  EXPECT_EQ(maps[2].dev_minor, 0x2au);
}

constexpr const char* kMountinfo =
    "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
    "44 27 254:0 /var/lib/ctr /srv/ctr rw,relatime - ext4 /dev/vda rw\n"
    "45 27 0:40 / /tmp/my\\040dir rw - tmpfs tmpfs rw\n"
    "48 44 0:41 / /srv/ctr/merged rw - overlay overlay rw,lowerdir=/var/lib/ctr/l\n";

TEST(ParseMountinfo, ReadsDeviceRootAndUnescapedMountPoint) {
  const auto mounts = parse_mountinfo(kMountinfo);
  ASSERT_EQ(mounts.size(), 4u);
  EXPECT_EQ(mounts[1].dev_major, 254u);
  EXPECT_EQ(mounts[1].root, "/var/lib/ctr");
  EXPECT_EQ(mounts[1].mount_point, "/srv/ctr");
  EXPECT_EQ(mounts[2].mount_point, "/tmp/my dir");
}

TEST(PathsThroughMounts, OneCandidatePerMountShowingTheFile) {
  const auto mounts = parse_mountinfo(kMountinfo);
  // A container layer's file: visible from / and from the bind mount of its directory.
  EXPECT_EQ(
      paths_through_mounts(mounts, 254, 0, "/var/lib/ctr/l/abc/usr/bin/sh"),
      (std::vector<std::string>{"/var/lib/ctr/l/abc/usr/bin/sh", "/srv/ctr/l/abc/usr/bin/sh"}));
  EXPECT_EQ(paths_through_mounts(mounts, 0, 40, "/prog"),
            (std::vector<std::string>{"/tmp/my dir/prog"}));
  // Another device, or a sibling directory that only shares a prefix: no candidate.
  EXPECT_TRUE(paths_through_mounts(mounts, 0, 99, "/prog").empty());
  EXPECT_EQ(paths_through_mounts(mounts, 254, 0, "/var/lib/ctrX/a"),
            (std::vector<std::string>{"/var/lib/ctrX/a"}));
}

TEST(KernelMappings, WithoutRecordingMapsFindsNothing) {
  KernelMappings none(-1, -1, "/proc/self/mountinfo");
  EXPECT_TRUE(none.mappings(1, 2).empty());
  Mapping recorded;
  recorded.recorded = true;
  EXPECT_EQ(none.open_file(recorded), -1);
}

TEST(KernelSymbols, FunctionsByAddressModulesIncluded) {
  const kstack::KernelSymbols symbols(
      "ffffffff81000000 T _stext\n"
      "ffffffff81000100 t do_one\n"
      "ffffffff81000200 D some_data\n"
      "ffffffff81000300 W weak_fn\n"
      "ffffffffc0000000 t mod_fn\t[mymod]\n"
      "0000000000000000 T hidden_by_kptr_restrict\n");
  EXPECT_EQ(symbols.size(), 4u);  // data and zero-address symbols are left out
  EXPECT_EQ(symbols.lookup(0xffffffff81000150), "do_one");
  EXPECT_EQ(symbols.lookup(0xffffffff81000250), "do_one");  // data is not a function
  EXPECT_EQ(symbols.lookup(0xffffffff81000300), "weak_fn");
  EXPECT_EQ(symbols.lookup(0xffffffffc0000010), "mod_fn");
  EXPECT_EQ(symbols.lookup(0x1000), "");
}

// A directory standing in for a container's root, with what a hostile container could put
// where a mapped file used to be.
class OpenRegularFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ig-file-open-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::filesystem::create_directories(dir_ / "root/lib");
    std::ofstream(dir_ / "root/lib/libx.so") << "ELF";
    std::ofstream(dir_ / "host-secret") << "secret";
    ASSERT_EQ(mkfifo((dir_ / "root/lib/fifo").c_str(), 0600), 0);
    std::filesystem::create_symlink(dir_ / "host-secret", dir_ / "root/lib/escape");
    std::filesystem::create_symlink("/lib/libx.so", dir_ / "root/lib/inside");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const char* rel) const { return (dir_ / rel).string(); }

  std::filesystem::path dir_;
};

TEST_F(OpenRegularFile, OpensRegularFilesOnly) {
  int fd = open_regular_file(AT_FDCWD, path("root/lib/libx.so"), RESOLVE_NO_SYMLINKS);
  ASSERT_GE(fd, 0);
  char buf[4] = {};
  EXPECT_EQ(read(fd, buf, 3), 3);
  EXPECT_STREQ(buf, "ELF");
  close(fd);
  // A FIFO is refused without blocking; so is a directory.
  EXPECT_EQ(open_regular_file(AT_FDCWD, path("root/lib/fifo"), 0), -1);
  EXPECT_EQ(open_regular_file(AT_FDCWD, path("root/lib"), 0), -1);
}

TEST_F(OpenRegularFile, SymlinksRefusedOrKeptInsideTheRoot) {
  EXPECT_EQ(open_regular_file(AT_FDCWD, path("root/lib/escape"), RESOLVE_NO_SYMLINKS), -1);
  const int root = open(path("root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(root, 0);
  // An absolute symlink resolves inside the root, as the process saw it.
  int fd = open_regular_file(root, "/lib/inside", RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  EXPECT_GE(fd, 0);
  if (fd >= 0) close(fd);
  // One pointing at the host's file does not reach it.
  EXPECT_EQ(open_regular_file(root, "/lib/escape", RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), -1);
  close(root);
}

}  // namespace
}  // namespace ig::runner::ustack
