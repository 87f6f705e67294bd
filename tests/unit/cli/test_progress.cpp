#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include "cli/progress.hpp"

namespace ig::cli {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;
const std::string kDigestA = "sha256:3f2a9c1d4e5f00112233445566778899aabbccddeeff00112233445566778899";
const std::string kDigestB = "sha256:0123456789abffeeddccbbaa99887766554433221100ffeeddccbbaa99887766";

TEST(Progress, FormatsBytesAndRates) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(256 * kMiB), "256.0 MiB");
  EXPECT_EQ(format_bytes(3 * 1024 * kMiB / 2), "1.5 GiB");
  EXPECT_EQ(format_rate(100 * kMiB, 2.0), "50.0 MiB/s");
  EXPECT_EQ(format_rate(100, 0), "-");
}

TEST(Progress, RendersOneLinePerActiveBlobAndATotal) {
  TransferProgress s;
  s.active = {{kDigestA, 256 * kMiB, 64 * kMiB, 2.0}, {kDigestB, 10 * kMiB, 10 * kMiB, 0.5}};
  s.blobs = 5;
  s.blobs_done = 2;
  s.bytes = 300 * kMiB;
  s.bytes_done = 75 * kMiB;
  s.seconds = 2.5;
  auto lines = render_progress(s, 120);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "sha256:3f2a9c1d4e5f [=====>              ]  64.0 MiB / 256.0 MiB   32.0 MiB/s");
  EXPECT_EQ(lines[1], "sha256:0123456789ab [====================]  10.0 MiB / 10.0 MiB    20.0 MiB/s");
  EXPECT_EQ(lines[2], "total 2/5           [=====>              ]  75.0 MiB / 300.0 MiB   30.0 MiB/s");

  // Narrow terminals get cut lines, never wrapped ones.
  for (const auto& l : render_progress(s, 40)) EXPECT_LE(l.size(), 40u) << l;

  // Nothing moving yet: the total line alone, with no rate.
  TransferProgress start;
  start.blobs = 3;
  start.bytes = 1000;
  auto first = render_progress(start, 120);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0], "total 0/3           [>                   ]       0 B / 1000 B               -");
}

TEST(Progress, SummaryLine) {
  TransferProgress s;
  s.blobs = s.blobs_done = 3;
  s.bytes = s.bytes_done = 256 * kMiB + 2048;
  s.seconds = 2.0;
  EXPECT_EQ(render_summary(s), "Transferred 3 blobs (256.0 MiB) in 2.0 s, 128.0 MiB/s");
  s.blobs = s.blobs_done = 1;
  s.bytes = s.bytes_done = 10;
  s.seconds = 0.5;
  EXPECT_EQ(render_summary(s), "Transferred 1 blob (10 B) in 0.5 s, 20 B/s");
}

TEST(Progress, SilentWhenNotATerminal) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  {
    ProgressDisplay display(fds[1]);
    auto options = display.copy_options();
    EXPECT_FALSE(options.on_planned);
    EXPECT_FALSE(options.on_progress);
    EXPECT_FALSE(options.on_copied);
  }
  close(fds[1]);
  char c;
  EXPECT_EQ(read(fds[0], &c, 1), 0);  // nothing was written
  close(fds[0]);
}

}  // namespace
}  // namespace ig::cli
