// Libraries named as upstream's uprobe sections name them ("libc"), found in a root file
// system through its ld.so.cache or the usual directories, without leaving that root.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runner/uprobes/library.hpp"

namespace ig::runner::uprobes {
namespace {
namespace fs = std::filesystem;

class LibraryRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("ig-uprobe-root-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& relative, const std::string& text) {
    fs::create_directories((root_ / relative).parent_path());
    std::ofstream(root_ / relative) << text;
  }
  fs::path root_;
};

// The host's cache (written by Debian's ldconfig) names libc.so.6 where it is.
TEST(LdSoCache, HostCacheHasLibc) {
  std::ifstream in("/etc/ld.so.cache", std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), {}};
  ASSERT_FALSE(bytes.empty()) << "no /etc/ld.so.cache on this host";
  bool found = false;
  for (const auto& entry : parse_ld_so_cache(bytes)) {
    if (entry.soname == "libc.so.6") found = fs::exists(entry.path);
  }
  EXPECT_TRUE(found);
  const auto libc = find_library("/", "libc");
  ASSERT_TRUE(libc.has_value());
  EXPECT_EQ(fs::path(*libc).filename(), "libc.so.6");
}

TEST(LdSoCache, GarbageAndTruncatedCachesGiveNothing) {
  EXPECT_TRUE(parse_ld_so_cache("").empty());
  EXPECT_TRUE(parse_ld_so_cache("not a cache at all").empty());
  EXPECT_TRUE(parse_ld_so_cache(std::string("glibc-ld.so.cache1.1") + "\xff\xff\xff\x7f").empty());
}

// A root without a cache (a static or musl image): the usual directories; "libc" is not
// "libcrypto".
TEST_F(LibraryRoot, WithoutCacheSearchesLibraryDirectories) {
  write("usr/lib/libcrypto.so.3", "x");
  EXPECT_FALSE(find_library(root_, "libc").has_value());
  write("lib/libc.so.6", "x");
  EXPECT_EQ(find_library(root_, "libc"), "/lib/libc.so.6");
  EXPECT_EQ(find_library(root_, "libcrypto"), "/usr/lib/libcrypto.so.3");
}

// A container's absolute symbolic link resolves inside its root, never into the host's.
TEST_F(LibraryRoot, AbsoluteLinksStayInTheRoot) {
  write("etc/hostname-in-root", "inside");
  fs::create_directories(root_ / "lib");
  fs::create_symlink("/etc/hostname-in-root", root_ / "lib/libz.so.1");
  const UniqueFd inside = open_in_root(root_, "/lib/libz.so.1");
  ASSERT_GE(inside.get(), 0);
  char text[16] = {};
  ASSERT_EQ(read(inside.get(), text, sizeof text), 6);
  EXPECT_STREQ(text, "inside");
  fs::create_symlink("/etc/passwd", root_ / "lib/libescape.so.1");  // the host's, not here
  EXPECT_LT(open_in_root(root_, "/lib/libescape.so.1").get(), 0);
}

}  // namespace
}  // namespace ig::runner::uprobes
