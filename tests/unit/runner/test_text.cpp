#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "runner/format/text.hpp"

namespace ig::runner::format {
namespace {

std::string go_escaped(std::string_view s) {
  std::string out;
  append_go_escaped(out, s);
  return out;
}

std::string json_escaped(std::string_view s) {
  std::string out;
  append_json_escaped(out, s);
  return out;
}

std::string cell(std::string_view s, size_t width, Align align, Ellipsis e) {
  std::string out;
  append_cell(out, s, width, align, e);
  return out;
}

TEST(Text, GoEscapingLikePercentQWithoutQuotes) {
  EXPECT_EQ(go_escaped("plain text"), "plain text");
  EXPECT_EQ(go_escaped("a\nb\tc"), "a\\nb\\tc");
  EXPECT_EQ(go_escaped("q\"b\\"), "q\\\"b\\\\");
  EXPECT_EQ(go_escaped(std::string_view("\x01\x7f", 2)), "\\x01\\x7f");
  EXPECT_EQ(go_escaped("\xff"), "\\xff");  // invalid UTF-8
  EXPECT_EQ(go_escaped("h\xC3\xA9llo"), "h\xC3\xA9llo");  // é stays
}

TEST(Text, JsonEscapingLikeGo) {
  EXPECT_EQ(json_escaped("<a&b>"), "\\u003ca\\u0026b\\u003e");
  EXPECT_EQ(json_escaped("x\"y\\z\n"), "x\\\"y\\\\z\\n");
  EXPECT_EQ(json_escaped(std::string_view("\x01", 1)), "\\u0001");
  EXPECT_EQ(json_escaped("\xE2\x80\xA8"), "\\u2028");
  EXPECT_EQ(json_escaped("\xff"), "\\ufffd");
}

TEST(Text, CharCountIsCodePoints) {
  EXPECT_EQ(char_count("abc"), 3u);
  EXPECT_EQ(char_count("\xE2\x80\xA6x"), 2u);
}

TEST(Text, CellsPadAndAlign) {
  EXPECT_EQ(cell("ab", 5, Align::Left, Ellipsis::End), "ab   ");
  EXPECT_EQ(cell("ab", 5, Align::Right, Ellipsis::End), "   ab");
  EXPECT_EQ(cell("\xC3\xA9", 3, Align::Left, Ellipsis::End), "\xC3\xA9  ");  // width in chars
}

TEST(Text, CellsShortenWithEllipsis) {
  const std::string s = "SECCOMP_RET_KILL_THREAD";  // 23 chars
  EXPECT_EQ(cell(s, 10, Align::Left, Ellipsis::End), "SECCOMP_R\xE2\x80\xA6");
  EXPECT_EQ(cell(s, 10, Align::Left, Ellipsis::Start), "\xE2\x80\xA6" "LL_THREAD");
  EXPECT_EQ(cell(s, 10, Align::Left, Ellipsis::Middle), "SECCO\xE2\x80\xA6READ");
  EXPECT_EQ(cell(s, 10, Align::Left, Ellipsis::None), "SECCOMP_RE");
  EXPECT_EQ(char_count(cell(s, 20, Align::Right, Ellipsis::Start)), 20u);
}

class GoTime : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tz = std::getenv("TZ");
    saved_ = tz ? std::optional<std::string>(tz) : std::nullopt;
  }
  void TearDown() override {
    if (saved_) {
      setenv("TZ", saved_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }
  static std::string format(int64_t ns, std::string_view layout) {
    std::string out;
    append_go_time(out, ns, layout);
    return out;
  }
  std::optional<std::string> saved_;
};

TEST_F(GoTime, DefaultLayoutUtcUsesZ) {
  setenv("TZ", "UTC", 1);
  tzset();
  // 2024-03-05T06:07:08.000000042Z
  EXPECT_EQ(format(1709618828000000042, kDefaultTimestampLayout),
            "2024-03-05T06:07:08.000000042Z");
}

TEST_F(GoTime, DefaultLayoutWithOffset) {
  setenv("TZ", "TST-2", 1);  // POSIX: two hours east of UTC
  tzset();
  EXPECT_EQ(format(1709618828123456789, kDefaultTimestampLayout),
            "2024-03-05T08:07:08.123456789+02:00");
}

TEST_F(GoTime, CustomLayouts) {
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(format(1709618828120000000, "Jan _2 15:04:05.999"), "Mar  5 06:07:08.12");
  EXPECT_EQ(format(1709618828000000000, "Monday 2006/01/02 03PM"), "Tuesday 2024/03/05 06AM");
}

}  // namespace
}  // namespace ig::runner::format
