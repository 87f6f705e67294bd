#include "runner/format/formatters.hpp"

#include <bpf/btf.h>
#include <seccomp.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>

namespace ig::runner::format {
namespace {

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_fixed(std::string& out, double v, int precision) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "%.*f", precision, v);
  out.append(buf, static_cast<size_t>(n));
}

// Syscall numbers above this are not cached (none exist on supported architectures).
constexpr uint64_t kMaxCachedSyscall = 4096;

}  // namespace

void SyscallNames::append(std::string& out, uint64_t nr) {
  if (nr >= kMaxCachedSyscall) {
    out += "SYS_UNKNOWN";
    return;
  }
  if (cache_.size() <= nr) cache_.resize(nr + 1);
  std::string& name = cache_[nr];
  if (name.empty()) {
    char* resolved = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, static_cast<int>(nr));
    name = "SYS_";
    if (resolved != nullptr) {
      for (const char* p = resolved; *p; ++p) {
        name += static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
      }
      std::free(resolved);
    } else {
      name += "UNKNOWN";
    }
  }
  out += name;
}

void append_errno_name(std::string& out, uint32_t value) {
  if (value == 0) return;
  const char* name = value < 4096 ? strerrorname_np(static_cast<int>(value)) : nullptr;
  if (name != nullptr) {
    out += name;
  } else {
    out += "error#";
    append_uint(out, value);
  }
}

void append_signal_name(std::string& out, uint32_t value) {
  // Go's unix.SignalName knows the classic signals 1..31 only.
  const char* abbrev =
      (value >= 1 && value <= 31) ? sigabbrev_np(static_cast<int>(value)) : nullptr;
  if (abbrev != nullptr) {
    out += "SIG";
    out += abbrev;
  } else {
    out += "signal#";
    append_uint(out, value);
  }
}

void append_file_mode(std::string& out, uint32_t mode) {
  // Go's FileMode keeps its type bits at the top (d a l T L D p S u g c t ?), then rwxrwxrwx.
  static constexpr char kTypes[] = "dalTLDpSugct?";
  bool any = false;
  for (int i = 0; kTypes[i] != '\0'; ++i) {
    if (mode & (1u << (31 - i))) {
      out += kTypes[i];
      any = true;
    }
  }
  if (!any) out += '-';
  static constexpr char kPerm[] = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) out += (mode & (1u << (8 - i))) ? kPerm[i] : '-';
}

void append_file_flags(std::string& out, uint32_t flags) {
  static constexpr struct {
    uint32_t bit;
    const char* name;
  } kFlags[] = {
      {0100, "O_CREAT"},        {0200, "O_EXCL"},         {0400, "O_NOCTTY"},
      {01000, "O_TRUNC"},       {02000, "O_APPEND"},      {04000, "O_NONBLOCK"},
      {010000, "O_DSYNC"},      {020000, "O_FASYNC"},     {040000, "O_DIRECT"},
      {0100000, "O_LARGEFILE"}, {0200000, "O_DIRECTORY"}, {0400000, "O_NOFOLLOW"},
      {01000000, "O_NOATIME"},  {02000000, "O_CLOEXEC"},
  };
  switch (flags & 3) {
    case 0:
      out += "O_RDONLY";
      break;
    case 1:
      out += "O_WRONLY";
      break;
    case 2:
      out += "O_RDWR";
      break;
    default:
      break;  // 3 has no name upstream
  }
  bool first = (flags & 3) == 3;
  for (const auto& f : kFlags) {
    if ((flags & f.bit) == f.bit) {
      if (!first) out += '|';
      out += f.name;
      first = false;
    }
  }
}

void append_bytes(std::string& out, uint64_t bytes) {
  static constexpr const char* kSizes[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  if (bytes < 10) {
    append_uint(out, bytes);
    out += " B";
    return;
  }
  const double s = static_cast<double>(bytes);
  const int e = static_cast<int>(std::floor(std::log(s) / std::log(1000.0)));
  const double val = std::floor(s / std::pow(1000.0, e) * 10 + 0.5) / 10;
  append_fixed(out, val, val < 10 ? 1 : 0);
  out += ' ';
  out += kSizes[e];
}

namespace {

// `value` / 10^`digits` with the fraction's trailing zeros dropped ("89.770034", "2").
void append_decimal(std::string& out, uint64_t value, int digits) {
  uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  append_uint(out, value / scale);
  uint64_t frac = value % scale;
  if (frac == 0) return;
  char text[24];
  std::snprintf(text, sizeof text, "%0*llu", digits, static_cast<unsigned long long>(frac));
  size_t len = static_cast<size_t>(digits);
  while (len > 0 && text[len - 1] == '0') --len;
  out += '.';
  out.append(text, len);
}

// Go's Duration.String for >= 1s: [Nh][Nm]N[.fraction]s.
void append_go_seconds(std::string& out, uint64_t ns) {
  const uint64_t secs = ns / 1000000000;
  const uint64_t hours = secs / 3600;
  const uint64_t minutes = (secs % 3600) / 60;
  if (hours > 0) {
    append_uint(out, hours);
    out += 'h';
  }
  if (hours > 0 || minutes > 0) {
    append_uint(out, minutes);
    out += 'm';
  }
  append_decimal(out, ns % 60000000000, 9);
  out += 's';
}

}  // namespace

void append_duration(std::string& out, uint64_t ns) {
  if (ns < 1000) {
    append_uint(out, ns);
    out += "ns";
    return;
  }
  if (ns < 1000000) {
    append_fixed(out, static_cast<double>(ns) / 1e3, 2);
    out += "\xC2\xB5s";  // µs
    return;
  }
  if (ns < 1000000000) {
    append_fixed(out, static_cast<double>(ns) / 1e6, 2);
    out += "ms";
    return;
  }
  append_go_seconds(out, ns);
}

void append_go_duration(std::string& out, uint64_t ns) {
  if (ns == 0) {
    out += "0s";
  } else if (ns < 1000) {
    append_uint(out, ns);
    out += "ns";
  } else if (ns < 1000000) {
    append_decimal(out, ns, 3);
    out += "\xC2\xB5s";
  } else if (ns < 1000000000) {
    append_decimal(out, ns, 6);
    out += "ms";
  } else {
    append_go_seconds(out, ns);
  }
}

UserGroupNames::UserGroupNames(std::string passwd_path, std::string group_path)
    : passwd_path_(std::move(passwd_path)), group_path_(std::move(group_path)) {}

void UserGroupNames::load() {
  loaded_ = true;
  // name:password:id:... in both files.
  const auto read = [](const std::string& path, std::unordered_map<uint32_t, std::string>& into) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      const size_t c1 = line.find(':');
      if (c1 == std::string::npos) continue;
      const size_t c2 = line.find(':', c1 + 1);
      if (c2 == std::string::npos) continue;
      const size_t c3 = line.find(':', c2 + 1);
      const std::string id_text = line.substr(c2 + 1, c3 == std::string::npos ? c3 : c3 - c2 - 1);
      uint32_t id = 0;
      const auto r = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
      if (r.ec != std::errc() || r.ptr != id_text.data() + id_text.size()) continue;
      into.emplace(id, line.substr(0, c1));  // first entry wins
    }
  };
  read(passwd_path_, users_);
  read(group_path_, groups_);
}

void UserGroupNames::append_user(std::string& out, uint32_t uid) {
  if (!loaded_) load();
  if (const auto it = users_.find(uid); it != users_.end()) {
    out += it->second;
    return;
  }
  out += "uid:";
  append_uint(out, uid);
}

void UserGroupNames::append_group(std::string& out, uint32_t gid) {
  if (!loaded_) load();
  if (const auto it = groups_.find(gid); it != groups_.end()) {
    out += it->second;
    return;
  }
  out += "gid:";
  append_uint(out, gid);
}

EnumNames::EnumNames(const struct btf* gadget_btf, uint32_t type_id, const struct btf* kernel_btf,
                     std::string separator)
    : separator_(separator.empty() ? "|" : std::move(separator)) {
  const btf_type* t = btf__type_by_id(gadget_btf, type_id);
  const std::string name = t != nullptr ? btf__name_by_offset(gadget_btf, t->name_off) : "";
  is_set_ = name.size() >= 4 && name.ends_with("_set");
  if (kernel_btf != nullptr && !name.empty()) {
    int id = btf__find_by_name_kind(kernel_btf, name.c_str(), BTF_KIND_ENUM);
    if (id < 0) id = btf__find_by_name_kind(kernel_btf, name.c_str(), BTF_KIND_ENUM64);
    if (id > 0) {
      read(kernel_btf, static_cast<uint32_t>(id));
      return;
    }
  }
  read(gadget_btf, type_id);
}

void EnumNames::read(const struct btf* b, uint32_t type_id) {
  const btf_type* t = btf__type_by_id(b, type_id);
  if (t == nullptr) return;
  size_ = t->size;
  signed_ = btf_kflag(t);
  const uint16_t n = btf_vlen(t);
  if (btf_is_enum(t)) {
    const struct btf_enum* e = btf_enum(t);
    for (uint16_t i = 0; i < n; ++i) {
      // 32-bit values are stored as s32; keep them as the enum's unsigned/signed 64-bit value.
      const uint64_t v = signed_ ? static_cast<uint64_t>(static_cast<int64_t>(e[i].val))
                                 : static_cast<uint64_t>(static_cast<uint32_t>(e[i].val));
      values_.push_back({btf__name_by_offset(b, e[i].name_off), v});
    }
  } else if (btf_is_enum64(t)) {
    const struct btf_enum64* e = btf_enum64(t);
    for (uint16_t i = 0; i < n; ++i) {
      values_.push_back({btf__name_by_offset(b, e[i].name_off), btf_enum64_value(e + i)});
    }
  }
}

void EnumNames::append(std::string& out, uint64_t raw) const {
  uint64_t v = raw;
  if (signed_ && size_ < 8) {
    const unsigned bits = size_ * 8;
    const uint64_t sign = uint64_t{1} << (bits - 1);
    v = (raw ^ sign) - sign;
  }
  if (is_set_) {
    bool first = true;
    for (const auto& e : values_) {
      if ((v & e.value) == e.value) {
        if (!first) out += separator_;
        out += e.name;
        first = false;
      }
    }
    return;
  }
  for (const auto& e : values_) {
    if (e.value == v) {
      out += e.name;
      return;
    }
  }
  out += "UNKNOWN";
}

namespace {
int64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
}  // namespace

BootClock::BootClock() : offset_ns_(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME)) {}

int64_t BootClock::to_wall(uint64_t boot_ns) const {
  if (boot_ns == 0) return clock_ns(CLOCK_REALTIME);
  // A record's timestamp is whatever the program wrote: saturate rather than overflow.
  int64_t wall = 0;
  if (boot_ns > static_cast<uint64_t>(INT64_MAX) ||
      __builtin_add_overflow(static_cast<int64_t>(boot_ns), offset_ns_, &wall)) {
    return INT64_MAX;
  }
  return wall;
}

void append_ip_address(std::string& out, std::string_view bytes, uint8_t version) {
  if (bytes.size() != 16) return;
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto dotted = [&out](const unsigned char* p) {
    for (int i = 0; i < 4; ++i) {
      if (i) out += '.';
      out += std::to_string(p[i]);
    }
  };
  if (version == 4) {
    dotted(b);
    return;
  }
  if (version != 6) return;
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0) {
    dotted(b + 12);
    return;
  }
  // The longest run of zero groups (the first of equal ones), if longer than one group, is
  // written "::".
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && b[2 * j] == 0 && b[2 * j + 1] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j > i ? j : i + 1;
  }
  if (best_len < 2) best = -1;
  char group[8];
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (i > 0 && i != best + best_len) out += ':';
    std::snprintf(group, sizeof group, "%x", (b[2 * i] << 8) | b[2 * i + 1]);
    out += group;
  }
}

void append_ip_protocol(std::string& out, uint32_t number) {
  static const std::map<uint32_t, const char*> kNames = {
      {0, "HOPOPT"},     {1, "ICMP"},         {2, "IGMP"},        {4, "IPv4"},
      {6, "TCP"},        {8, "EGP"},          {9, "IGP"},         {17, "UDP"},
      {27, "RDP"},       {33, "DCCP"},        {41, "IPv6"},       {43, "IPv6-Route"},
      {44, "IPv6-Frag"}, {46, "RSVP"},        {47, "GRE"},        {50, "ESP"},
      {51, "AH"},        {58, "IPv6-ICMP"},   {59, "IPv6-NoNxt"}, {60, "IPv6-Opts"},
      {88, "EIGRP"},     {89, "OSPFIGP"},     {94, "IPIP"},       {103, "PIM"},
      {108, "IPComp"},   {112, "VRRP"},       {115, "L2TP"},      {132, "SCTP"},
      {136, "UDPLite"},  {137, "MPLS-in-IP"}, {143, "Ethernet"},  {255, "Reserved"},
  };
  if (auto it = kNames.find(number); it != kNames.end()) {
    out += it->second;
  } else {
    out += "proto#" + std::to_string(number);
  }
}

}  // namespace ig::runner::format
