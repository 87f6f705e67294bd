#include "runner/format/text.hpp"

#include <algorithm>
#include <cstdio>

namespace ig::runner::format {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026

// Length of the UTF-8 sequence starting at s[i], or 0 if it is not valid UTF-8.
size_t utf8_len(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  uint32_t min = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  uint32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

uint32_t decode(std::string_view s, size_t i, size_t n) {
  uint32_t cp = static_cast<unsigned char>(s[i]) & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

void append_hex_byte(std::string& out, unsigned char c) {
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

void append_u4(std::string& out, uint32_t cp) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 0xF];
}

// Byte offset just past the first `chars` characters of `s`.
size_t prefix_bytes(std::string_view s, size_t chars) {
  size_t i = 0;
  while (i < s.size() && chars > 0) {
    const size_t n = utf8_len(s, i);
    i += n == 0 ? 1 : n;
    --chars;
  }
  return i;
}

// Bytes each escaper copies unchanged (the per-event fast path).
struct PlainBytes {
  bool table[256] = {};
  constexpr PlainBytes(std::string_view excluded, unsigned char last) {
    for (unsigned c = 0x20; c <= last; ++c) {
      table[c] = excluded.find(static_cast<char>(c)) == std::string_view::npos;
    }
  }
  constexpr bool operator[](unsigned char c) const { return table[c]; }
};
constexpr PlainBytes kGoPlain("\"\\", 0x7E);
constexpr PlainBytes kJsonPlain("\"\\<>&", 0x7F);

void pad(std::string& out, size_t n) { out.append(n, ' '); }

void append_num(std::string& out, long value, int digits) {
  char buf[24];
  const int len = std::snprintf(buf, sizeof buf, "%0*ld", digits, value);
  out.append(buf, static_cast<size_t>(len));
}

constexpr const char* kMonths[] = {"January", "February", "March",     "April",
                                   "May",     "June",     "July",      "August",
                                   "September", "October", "November", "December"};
constexpr const char* kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday"};

bool starts(std::string_view s, size_t i, std::string_view token) {
  return s.substr(i, token.size()) == token;
}

void append_zone(std::string& out, long offset_s, bool z_for_utc, bool colon) {
  if (z_for_utc && offset_s == 0) {
    out += 'Z';
    return;
  }
  out += offset_s < 0 ? '-' : '+';
  const long abs = offset_s < 0 ? -offset_s : offset_s;
  append_num(out, abs / 3600, 2);
  if (colon) out += ':';
  append_num(out, (abs % 3600) / 60, 2);
}

}  // namespace

void append_go_escaped(std::string& out, std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    // Printable ASCII other than '"' and '\\' is copied as one run.
    size_t run = i;
    while (run < s.size() && kGoPlain[static_cast<unsigned char>(s[run])]) ++run;
    if (run != i) {
      out.append(s.data() + i, run - i);
      i = run;
      if (i == s.size()) break;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = utf8_len(s, i);
    if (n == 0) {
      append_hex_byte(out, c);
      ++i;
      continue;
    }
    if (n == 1) {
      switch (c) {
        case '\a': out += "\\a"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\v': out += "\\v"; break;
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        default:
          if (c < 0x20 || c == 0x7F) {
            append_hex_byte(out, c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    const uint32_t cp = decode(s, i, n);
    if (cp >= 0x80 && cp < 0xA0) {
      append_u4(out, cp);  // C1 controls are not printable
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
}

void append_json_escaped(std::string& out, std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    // ASCII that encoding/json leaves alone is copied as one run.
    size_t run = i;
    while (run < s.size() && kJsonPlain[static_cast<unsigned char>(s[run])]) ++run;
    if (run != i) {
      out.append(s.data() + i, run - i);
      i = run;
      if (i == s.size()) break;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = utf8_len(s, i);
    if (n == 0) {
      out += "\\ufffd";  // Go replaces invalid UTF-8
      ++i;
      continue;
    }
    if (n == 1) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '<':
        case '>':
        case '&': append_u4(out, c); break;
        default:
          if (c < 0x20) {
            append_u4(out, c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    const uint32_t cp = decode(s, i, n);
    if (cp == 0x2028 || cp == 0x2029) {
      append_u4(out, cp);
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
}

size_t char_count(std::string_view s) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++count) {
    const size_t n = utf8_len(s, i);
    i += n == 0 ? 1 : n;
  }
  return count;
}

void append_cell(std::string& out, std::string_view s, size_t width, Align align,
                 Ellipsis ellipsis) {
  const size_t len = char_count(s);
  if (len <= width) {
    if (align == Align::Right) pad(out, width - len);
    out.append(s);
    if (align == Align::Left) pad(out, width - len);
    return;
  }
  if (width == 0) return;
  switch (ellipsis) {
    case Ellipsis::None:
      out.append(s.substr(0, prefix_bytes(s, width)));
      break;
    case Ellipsis::End:
      out.append(s.substr(0, prefix_bytes(s, width - 1)));
      out.append(kEllipsis);
      break;
    case Ellipsis::Start:
      out.append(kEllipsis);
      out.append(s.substr(prefix_bytes(s, len - (width - 1))));
      break;
    case Ellipsis::Middle: {
      const size_t head = width / 2;
      const size_t tail = width - head - 1;
      out.append(s.substr(0, prefix_bytes(s, head)));
      out.append(kEllipsis);
      out.append(s.substr(prefix_bytes(s, len - tail)));
      break;
    }
  }
}

namespace {

void split_time(int64_t unix_ns, time_t& secs, long& nanos) {
  secs = static_cast<time_t>(unix_ns / 1000000000);
  nanos = static_cast<long>(unix_ns % 1000000000);
  if (nanos < 0) {
    nanos += 1000000000;
    --secs;
  }
}

// Renders `layout` for the second `tm`: the text between fractional-second tokens goes to
// `pieces` (one more than `fractions`), the fractional tokens to `fractions`.
void render_second(std::string_view layout, const struct tm& tm, std::vector<std::string>& pieces,
                   std::vector<GoTimeFormat::Fraction>& fractions) {
  pieces.assign(1, std::string());
  fractions.clear();
  const long offset = tm.tm_gmtoff;
  for (size_t i = 0; i < layout.size();) {
    std::string& out = pieces.back();
    // Longest tokens first, as Go's layout scanner does.
    if (starts(layout, i, "January")) { out += kMonths[tm.tm_mon]; i += 7; continue; }
    if (starts(layout, i, "Monday")) { out += kDays[tm.tm_wday]; i += 6; continue; }
    if (starts(layout, i, "Z07:00")) { append_zone(out, offset, true, true); i += 6; continue; }
    if (starts(layout, i, "-07:00")) { append_zone(out, offset, false, true); i += 6; continue; }
    if (starts(layout, i, "Z0700")) { append_zone(out, offset, true, false); i += 5; continue; }
    if (starts(layout, i, "-0700")) { append_zone(out, offset, false, false); i += 5; continue; }
    if (starts(layout, i, "2006")) { append_num(out, tm.tm_year + 1900, 4); i += 4; continue; }
    if (starts(layout, i, "Jan")) { out.append(kMonths[tm.tm_mon], 3); i += 3; continue; }
    if (starts(layout, i, "Mon")) { out.append(kDays[tm.tm_wday], 3); i += 3; continue; }
    if (starts(layout, i, "MST")) { out += tm.tm_zone ? tm.tm_zone : ""; i += 3; continue; }
    if (starts(layout, i, "_2")) {
      if (tm.tm_mday < 10) out += ' ';
      append_num(out, tm.tm_mday, 1);
      i += 2;
      continue;
    }
    if (starts(layout, i, "01")) { append_num(out, tm.tm_mon + 1, 2); i += 2; continue; }
    if (starts(layout, i, "02")) { append_num(out, tm.tm_mday, 2); i += 2; continue; }
    if (starts(layout, i, "03")) { append_num(out, (tm.tm_hour + 11) % 12 + 1, 2); i += 2; continue; }
    if (starts(layout, i, "04")) { append_num(out, tm.tm_min, 2); i += 2; continue; }
    if (starts(layout, i, "05")) { append_num(out, tm.tm_sec, 2); i += 2; continue; }
    if (starts(layout, i, "06")) { append_num(out, (tm.tm_year + 1900) % 100, 2); i += 2; continue; }
    if (starts(layout, i, "15")) { append_num(out, tm.tm_hour, 2); i += 2; continue; }
    if (starts(layout, i, "PM")) { out += tm.tm_hour >= 12 ? "PM" : "AM"; i += 2; continue; }
    if (starts(layout, i, "pm")) { out += tm.tm_hour >= 12 ? "pm" : "am"; i += 2; continue; }
    if ((layout[i] == '.' || layout[i] == ',') && i + 1 < layout.size() &&
        (layout[i + 1] == '0' || layout[i + 1] == '9')) {
      // Fractional seconds: .000 keeps zeros, .999 trims them.
      const char digit = layout[i + 1];
      size_t j = i + 1;
      while (j < layout.size() && layout[j] == digit) ++j;
      const bool followed_by_digit = j < layout.size() && layout[j] >= '0' && layout[j] <= '9';
      if (!followed_by_digit) {
        fractions.push_back({layout[i], static_cast<int>(std::min<size_t>(j - i - 1, 9)), digit == '9'});
        pieces.emplace_back();
        i = j;
        continue;
      }
    }
    if (layout[i] == '1') { append_num(out, tm.tm_mon + 1, 1); ++i; continue; }
    if (layout[i] == '2') { append_num(out, tm.tm_mday, 1); ++i; continue; }
    if (layout[i] == '3') { append_num(out, (tm.tm_hour + 11) % 12 + 1, 1); ++i; continue; }
    if (layout[i] == '4') { append_num(out, tm.tm_min, 1); ++i; continue; }
    if (layout[i] == '5') { append_num(out, tm.tm_sec, 1); ++i; continue; }
    out += layout[i++];
  }
}

void append_fraction(std::string& out, const GoTimeFormat::Fraction& f, long nanos) {
  char digits[9];
  long v = nanos;
  for (int k = 8; k >= 0; --k) {
    digits[k] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  int n = f.digits;
  if (f.trim) {
    while (n > 0 && digits[n - 1] == '0') --n;
    if (n == 0) return;  // Go drops the separator too
  }
  out += f.separator;
  out.append(digits, static_cast<size_t>(n));
}

}  // namespace

GoTimeFormat::GoTimeFormat(std::string_view layout) : layout_(layout) {}

void GoTimeFormat::append(std::string& out, int64_t unix_ns) {
  time_t secs;
  long nanos;
  split_time(unix_ns, secs, nanos);
  if (!cached_ || secs != cached_secs_) {
    struct tm tm {};
    localtime_r(&secs, &tm);
    render_second(layout_, tm, pieces_, fractions_);
    cached_secs_ = secs;
    cached_ = true;
  }
  out += pieces_[0];
  for (size_t k = 0; k < fractions_.size(); ++k) {
    append_fraction(out, fractions_[k], nanos);
    out += pieces_[k + 1];
  }
}

void append_go_time(std::string& out, int64_t unix_ns, std::string_view layout) {
  GoTimeFormat(layout).append(out, unix_ns);
}

}  // namespace ig::runner::format
