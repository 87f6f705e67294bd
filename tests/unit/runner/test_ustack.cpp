// The pure parts of --collect-ustack's user-space side: /proc/PID/maps and mountinfo parsing,
// and finding a file recorded by the kernel (path from its filesystem's root) through mounts.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace ig::runner::ustack
