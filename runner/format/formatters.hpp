// Value converters behind the formatted fields of spec ig-compat.md §4.3/§4.4. Each appends
// to a caller-owned string so the per-event path does not allocate once buffers have grown.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct btf;

namespace ig::runner::format {

// "SYS_" + upper-case libseccomp name for the host architecture; "SYS_UNKNOWN" otherwise.
class SyscallNames {
 public:
  void append(std::string& out, uint64_t nr);

 private:
  std::vector<std::string> cache_;  // by number; empty string = not looked up yet
};

void append_errno_name(std::string& out, uint32_t value);   // "" for 0, "error#N" if unknown
void append_signal_name(std::string& out, uint32_t value);  // "SIGxxx", "signal#N" if unknown
void append_file_mode(std::string& out, uint32_t mode);     // Go fs.FileMode(mode).String()
void append_file_flags(std::string& out, uint32_t flags);   // "O_RDONLY|O_CLOEXEC"
void append_bytes(std::string& out, uint64_t bytes);        // go-humanize Bytes: "1.2 kB"
void append_duration(std::string& out, uint64_t ns);        // "12ns", "1.23µs", "1.5s"
void append_go_duration(std::string& out, uint64_t ns);     // Go Duration.String: "89.770034ms"
// The 16 bytes of a gadget_ip_addr_t as Go's net.IP prints them: version 4 -> the first four
// bytes dotted; version 6 -> RFC 5952 text (an IPv4-mapped address dotted); otherwise nothing.
void append_ip_address(std::string& out, std::string_view bytes, uint8_t version);
// IANA protocol keyword ("TCP", "UDP", "IPv6-ICMP"), "proto#N" for numbers not listed.
void append_ip_protocol(std::string& out, uint32_t number);

// uid/gid -> name from passwd/group files, read once; "uid:N"/"gid:N" when absent.
class UserGroupNames {
 public:
  UserGroupNames(std::string passwd_path = "/etc/passwd", std::string group_path = "/etc/group");
  void append_user(std::string& out, uint32_t uid);
  void append_group(std::string& out, uint32_t gid);

 private:
  void load();
  std::string passwd_path_;
  std::string group_path_;
  bool loaded_ = false;
  std::unordered_map<uint32_t, std::string> users_;
  std::unordered_map<uint32_t, std::string> groups_;
};

// Enumerators of one BTF enum, in declaration order.
class EnumNames {
 public:
  // `type_id` is an ENUM/ENUM64 in `gadget_btf`; when `kernel_btf` has an enum with the same
  // name, its enumerators are used instead (upstream behaviour).
  EnumNames(const struct btf* gadget_btf, uint32_t type_id, const struct btf* kernel_btf,
            std::string separator);
  // `raw` holds the member's bytes zero-extended; it is sign-extended here when the enum is
  // signed. First matching enumerator wins, else "UNKNOWN"; `_set` enums list every match.
  void append(std::string& out, uint64_t raw) const;
  bool is_set() const { return is_set_; }

 private:
  struct Value {
    std::string name;
    uint64_t value;
  };
  void read(const struct btf* b, uint32_t type_id);
  std::vector<Value> values_;
  bool signed_ = false;
  uint32_t size_ = 4;
  bool is_set_ = false;
  std::string separator_;
};

// Boot-time ns -> wall-clock ns with the offset CLOCK_REALTIME - CLOCK_BOOTTIME taken once.
class BootClock {
 public:
  BootClock();
  explicit BootClock(int64_t offset_ns) : offset_ns_(offset_ns) {}
  int64_t to_wall(uint64_t boot_ns) const;  // 0 means "now"

 private:
  int64_t offset_ns_;
};

}  // namespace ig::runner::format
