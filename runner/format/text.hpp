// Text helpers for output that must match upstream ig (Go): quoting, JSON escaping, cell
// fitting with the `…` ellipsis, and Go time layouts.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace ig::runner::format {

enum class Align { Left, Right };
enum class Ellipsis { None, Start, Middle, End };

// Appends `s` escaped as Go's %q would, without the surrounding quotes.
void append_go_escaped(std::string& out, std::string_view s);

// Appends `s` escaped as Go's encoding/json does (HTML-safe), without quotes.
void append_json_escaped(std::string& out, std::string_view s);

// Number of characters (UTF-8 code points) in `s`.
size_t char_count(std::string_view s);

// Appends `s` fitted to exactly `width` characters: shortened with `…` (or cut when
// `ellipsis` is None) when longer, padded with spaces per `align` when shorter.
void append_cell(std::string& out, std::string_view s, size_t width, Align align,
                 Ellipsis ellipsis);

// Formats `unix_ns` (ns since the epoch) in local time with a Go layout such as
// "2006-01-02T15:04:05.000000000Z07:00".
void append_go_time(std::string& out, int64_t unix_ns, std::string_view layout);

// append_go_time for many timestamps with one layout: the text of the current second is
// rendered once (localtime_r and the layout scan), each call adds only the fraction digits.
class GoTimeFormat {
 public:
  explicit GoTimeFormat(std::string_view layout);
  void append(std::string& out, int64_t unix_ns);

  struct Fraction {
    char separator;  // '.' or ','
    int digits;      // 1..9
    bool trim;       // ".999": trailing zeros (and an all-zero fraction) are dropped
  };

 private:
  std::string layout_;
  bool cached_ = false;
  time_t cached_secs_ = 0;
  std::vector<std::string> pieces_;  // text around the fractions, for cached_secs_
  std::vector<Fraction> fractions_;
};

inline constexpr std::string_view kDefaultTimestampLayout = "2006-01-02T15:04:05.000000000Z07:00";

}  // namespace ig::runner::format
