// The fields an event struct yields, from BTF: every member (nested structs flattened as
// "parent.child"), plus the formatted siblings of `_raw`/typed members (syscall_raw -> syscall)
// and the fields operators add. Shared by the builder (validate/update gadget.yaml) and the
// runner (decode and print).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

struct btf;

namespace ig::metadata {

struct DataSourceMetadata;

enum class FieldKind {
  Int,   // signed integer (1, 2, 4, 8 bytes)
  Uint,  // unsigned integer
  Bool,
  Float,      // 4 or 8 bytes
  Enum,       // integer whose BTF type is an enum (enum_type_id set)
  String,     // char[N]: C string, NUL-terminated within N
  Bytes,      // other arrays / unions: raw bytes
  Struct,     // container of children ("proc" for proc.comm, proc.pid, ...)
  Formatted,  // produced in user space by a formatter from `source`
};

// Formatter that produces a Formatted field (spec ig-compat.md §4.3/§4.4).
enum class Formatter {
  None,
  Timestamp,
  Syscall,
  Enum,
  Signal,
  Errno,
  Uid,
  Gid,
  FileMode,
  FileFlags,
  Bytes,
  Duration,
  IpAddr,       // gadget_ip_addr_t bytes (source) + version (aux) -> "10.0.0.1", "fe80::1"
  Endpoint,     // formatted address (source) + port (aux) -> "10.0.0.1:80"
  Protocol,     // IP protocol number -> "TCP"
  KernelStack,  // gadget_kernel_stack id -> "func; func; "
};

struct FieldSchema {
  std::string full_name;  // "proc.comm", "syscall", "syscall_raw"
  std::string type_name;  // nearest gadget_* typedef (or BTF type name), e.g. "gadget_syscall"
  FieldKind kind = FieldKind::Uint;
  uint32_t offset = 0;       // byte offset in the event record (members only)
  uint32_t size = 0;         // bytes (members only)
  uint32_t bit_offset = 0;   // bitfields: bit offset within the byte-aligned storage
  uint32_t bit_size = 0;     // 0 unless a bitfield
  uint32_t btf_type_id = 0;  // resolved member type (enum type for Enum)
  int order = 0;             // position in struct order; formatted siblings follow their source
  Formatter formatter = Formatter::None;  // for Formatted fields
  std::string source;                     // for Formatted fields: full name of the raw field
  std::string aux;  // a second input (IpAddr: the version, Endpoint: the port)
  int depth = 0;    // number of dots in full_name
  // The bytes after the struct in the record (annotation ebpf.rest.name; a packet's payload),
  // as many as the `source` field says (ebpf.rest.len) when it is set.
  bool rest = false;
};

// Walks `struct_name` in `btf`. Members whose name starts with "__" are skipped (upstream rule).
// Throws Error(NotFound) if the struct does not exist.
std::vector<FieldSchema> event_fields(const struct btf* btf, const std::string& struct_name);

// Same, but the target annotations of `meta` (formatters.<kind>.target, ebpf.formatter.enum,
// uidgidresolver.target) name the formatted fields, as at run time. `meta` may be null.
std::vector<FieldSchema> event_fields(const struct btf* btf, const std::string& struct_name,
                                      const DataSourceMetadata* meta);

// True if a gadget.yaml field entry may name `full_name` although it is not in `fields`:
// fields added by operators at run time (runtime.*, k8s.*, ustack.addresses/symbols/buildid).
bool is_operator_field(const std::string& full_name);

}  // namespace ig::metadata
