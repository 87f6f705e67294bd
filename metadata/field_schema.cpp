#include "metadata/field_schema.hpp"

#include <bpf/btf.h>

#include <algorithm>
#include <string_view>

#include "metadata/gadget_metadata.hpp"
#include "util/error.hpp"

namespace ig::metadata {
namespace {

struct ResolvedType {
  uint32_t id = 0;
  const btf_type* type = nullptr;
  std::string type_name;  // nearest gadget_* typedef, else first typedef, else the type's name
};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Follows typedef/const/volatile/restrict/type_tag to the underlying type, remembering the
// typedef names on the way: gadget types are typedefs (gadget_syscall -> __u64).
ResolvedType resolve(const btf* b, uint32_t id) {
  ResolvedType r;
  std::string nearest_gadget;
  std::string first_typedef;
  for (;;) {
    const btf_type* t = btf__type_by_id(b, id);
    if (t == nullptr) break;
    if (btf_is_typedef(t)) {
      const std::string name = btf__name_by_offset(b, t->name_off);
      if (nearest_gadget.empty() && starts_with(name, "gadget_")) nearest_gadget = name;
      if (first_typedef.empty()) first_typedef = name;
      id = t->type;
      continue;
    }
    if (btf_is_mod(t) || btf_is_type_tag(t)) {
      id = t->type;
      continue;
    }
    r.id = id;
    r.type = t;
    break;
  }
  if (!nearest_gadget.empty()) {
    r.type_name = nearest_gadget;
  } else if (r.type != nullptr && r.type->name_off != 0 &&
             starts_with(btf__name_by_offset(b, r.type->name_off), "gadget_")) {
    r.type_name = btf__name_by_offset(b, r.type->name_off);  // struct gadget_process, ...
  } else if (!first_typedef.empty()) {
    r.type_name = first_typedef;
  } else if (r.type != nullptr && r.type->name_off != 0) {
    r.type_name = btf__name_by_offset(b, r.type->name_off);
  }
  return r;
}

struct FormatterRule {
  std::string_view type_name;
  Formatter formatter;
  uint32_t size;                // the only source size the converter accepts
  std::string_view target_key;  // annotation that names the output field
};

// Converters keyed by gadget type (spec ig-compat.md §4.3/§4.4).
constexpr FormatterRule kRules[] = {
    {"gadget_timestamp", Formatter::Timestamp, 8, "formatters.timestamp.target"},
    {"gadget_syscall", Formatter::Syscall, 8, "formatters.syscall.target"},
    {"gadget_signal", Formatter::Signal, 4, "formatters.signal.target"},
    {"gadget_errno", Formatter::Errno, 4, "formatters.errno.target"},
    {"gadget_uid", Formatter::Uid, 4, "uidgidresolver.target"},
    {"gadget_gid", Formatter::Gid, 4, "uidgidresolver.target"},
    {"gadget_file_mode", Formatter::FileMode, 4, "formatters.file_mode.target"},
    {"gadget_file_flags", Formatter::FileFlags, 4, "formatters.file_flags.target"},
    {"gadget_bytes", Formatter::Bytes, 8, "formatters.bytes.target"},
    {"gadget_duration", Formatter::Duration, 8, "formatters.duration.target"},
    {"gadget_kernel_stack", Formatter::KernelStack, 4, "ebpf.formatter.kstack"},
};

class Walker {
 public:
  Walker(const btf* b, const DataSourceMetadata* meta) : btf_(b), meta_(meta) {}

  void walk(const btf_type* composite, const std::string& prefix, uint32_t base_bits) {
    const btf_member* members = btf_members(composite);
    const uint16_t count = btf_vlen(composite);
    for (uint16_t i = 0; i < count; ++i) {
      const btf_member& m = members[i];
      const std::string name = btf__name_by_offset(btf_, m.name_off);
      if (starts_with(name, "__")) continue;  // upstream ignores these members
      add_member(name, m.type, prefix, base_bits + btf_member_bit_offset(composite, i),
                 btf_member_bitfield_size(composite, i));
    }
  }

  std::vector<FieldSchema> take() {
    for (size_t i = 0; i < fields_.size(); ++i) {
      fields_[i].order = static_cast<int>(i);
      fields_[i].depth = static_cast<int>(
          std::count(fields_[i].full_name.begin(), fields_[i].full_name.end(), '.'));
    }
    return std::move(fields_);
  }

 private:
  void add_member(const std::string& name, uint32_t type_id, const std::string& prefix,
                  uint32_t bit_offset, uint32_t bitfield_size) {
    const ResolvedType r = resolve(btf_, type_id);
    if (r.type == nullptr) return;
    const btf_type* t = r.type;

    if (btf_is_composite(t)) {
      if (name.empty()) {
        // Anonymous struct/union: its members belong to the enclosing struct, as in C.
        walk(t, prefix, bit_offset);
        return;
      }
      FieldSchema container = make(prefix + name, r);
      container.kind = FieldKind::Struct;
      container.offset = bit_offset / 8;
      container.size = t->size;
      fields_.push_back(std::move(container));
      walk(t, prefix + name + ".", bit_offset);
      add_endpoint_fields(prefix + name, r.type_name);
      return;
    }
    if (name.empty()) return;

    FieldSchema f = make(prefix + name, r);
    f.offset = bit_offset / 8;
    if (btf_is_int(t)) {
      const uint8_t encoding = btf_int_encoding(t);
      f.size = t->size;
      f.kind = (encoding & BTF_INT_BOOL)     ? FieldKind::Bool
               : (encoding & BTF_INT_SIGNED) ? FieldKind::Int
                                             : FieldKind::Uint;
    } else if (btf_is_enum(t) || btf_is_enum64(t)) {
      f.size = t->size;
      f.kind = FieldKind::Enum;
    } else if (btf_is_float(t)) {
      f.size = t->size;
      f.kind = FieldKind::Float;
    } else if (btf_is_ptr(t)) {
      f.size = 8;
      f.kind = FieldKind::Uint;
    } else if (btf_is_array(t)) {
      const struct btf_array* a = btf_array(t);
      const ResolvedType elem = resolve(btf_, a->type);
      const long elem_size = btf__resolve_size(btf_, a->type);
      if (elem_size <= 0 || elem.type == nullptr) return;
      f.size = static_cast<uint32_t>(elem_size) * a->nelems;
      const bool is_char =
          btf_is_int(elem.type) && elem.type->size == 1 &&
          std::string_view(btf__name_by_offset(btf_, elem.type->name_off)) == "char";
      f.kind = is_char ? FieldKind::String : FieldKind::Bytes;
      // gadget_comm comm[16]: the element's typedef selects templates and formatters.
      if (f.type_name.empty()) f.type_name = elem.type_name;
    } else {
      return;  // functions, void, forward declarations: nothing to decode
    }
    if (f.size == 0) return;

    if (bitfield_size != 0) {
      f.bit_offset = bit_offset % 8;
      f.bit_size = bitfield_size;
      // Read the smallest power-of-two storage covering the bits.
      const uint32_t needed = (f.bit_offset + bitfield_size + 7) / 8;
      f.size = needed <= 1 ? 1 : needed <= 2 ? 2 : needed <= 4 ? 4 : 8;
    }

    const std::string source_name = f.full_name;
    const FieldKind kind = f.kind;
    const uint32_t size = f.size;
    const std::string type_name = f.type_name;
    fields_.push_back(std::move(f));
    add_formatted(prefix, name, source_name, type_name, kind, size, r.id);
  }

  const FieldSchema* field(const std::string& full_name) const {
    for (const auto& f : fields_) {
      if (f.full_name == full_name) return &f;
    }
    return nullptr;
  }

  void add_converted(std::string full_name, Formatter formatter, std::string source,
                     std::string aux) {
    FieldSchema f;
    f.full_name = std::move(full_name);
    f.kind = FieldKind::Formatted;
    f.formatter = formatter;
    f.source = std::move(source);
    f.aux = std::move(aux);
    fields_.push_back(std::move(f));
  }

  // Endpoints (upstream's formatters operator, l3endpoint/l4endpoint): "addr" from the
  // gadget_ip_addr_t member and the version; an l4 endpoint also gets "proto" from proto_raw
  // and "endpoint" ("addr:port"), the text its column shows.
  void add_endpoint_fields(const std::string& full, const std::string& type_name) {
    const bool l4 = type_name == "gadget_l4endpoint_t";
    if (!l4 && type_name != "gadget_l3endpoint_t") return;
    const FieldSchema* ip = nullptr;
    for (const auto& f : fields_) {
      if (f.type_name == "gadget_ip_addr_t" && f.kind == FieldKind::Struct &&
          f.full_name.starts_with(full + ".") &&
          f.full_name.find('.', full.size() + 1) == std::string::npos) {
        ip = &f;
      }
    }
    const FieldSchema* bytes = ip ? field(ip->full_name + ".v6") : nullptr;
    if (!bytes || bytes->size != 16 || !field(full + ".version")) return;
    std::string addr = ip->full_name.substr(full.size() + 1);
    if (addr.size() > 4 && addr.ends_with("_raw")) addr.resize(addr.size() - 4);
    add_converted(full + "." + addr, Formatter::IpAddr, bytes->full_name, full + ".version");
    if (!l4 || !field(full + ".port")) return;
    if (field(full + ".proto_raw"))
      add_converted(full + ".proto", Formatter::Protocol, full + ".proto_raw", "");
    add_converted(full + ".endpoint", Formatter::Endpoint, full + "." + addr, full + ".port");
  }

  FieldSchema make(std::string full_name, const ResolvedType& r) const {
    FieldSchema f;
    f.full_name = std::move(full_name);
    f.type_name = r.type_name;
    f.btf_type_id = r.id;
    return f;
  }

  const std::string* annotation(const std::string& full_name, std::string_view key) const {
    if (meta_ == nullptr) return nullptr;
    const auto field = meta_->fields.find(full_name);
    if (field == meta_->fields.end()) return nullptr;
    const auto it = field->second.annotations.find(std::string(key));
    return it == field->second.annotations.end() ? nullptr : &it->second;
  }

  // Names the output of a converter (§4.4): target annotation, else the name without `_raw`,
  // else skipped (uid/gid fall back to user/group).
  void add_formatted(const std::string& prefix, const std::string& name, const std::string& source,
                     const std::string& type_name, FieldKind kind, uint32_t size,
                     uint32_t type_id) {
    Formatter formatter = Formatter::None;
    std::string_view target_key;
    if (kind == FieldKind::Enum) {
      formatter = Formatter::Enum;
      target_key = "ebpf.formatter.enum";
    } else {
      for (const auto& rule : kRules) {
        if (rule.type_name == type_name && rule.size == size) {
          formatter = rule.formatter;
          target_key = rule.target_key;
        }
      }
    }
    if (formatter == Formatter::None) return;

    std::string out;
    if (const std::string* target = annotation(source, target_key); target && !target->empty()) {
      out = *target;
    } else if (name.size() > 4 && name.ends_with("_raw")) {
      out = name.substr(0, name.size() - 4);
    } else if (formatter == Formatter::Uid) {
      out = "user";
    } else if (formatter == Formatter::Gid) {
      out = "group";
    } else {
      return;
    }
    const std::string full = prefix + out;
    for (const auto& existing : fields_) {
      if (existing.full_name == full) return;  // upstream refuses duplicate fields
    }
    FieldSchema f;
    f.full_name = full;
    f.kind = FieldKind::Formatted;
    f.formatter = formatter;
    f.source = source;
    f.btf_type_id = type_id;
    fields_.push_back(std::move(f));
  }

  const btf* btf_;
  const DataSourceMetadata* meta_;
  std::vector<FieldSchema> fields_;
};

}  // namespace

std::vector<FieldSchema> event_fields(const struct btf* btf, const std::string& struct_name,
                                      const DataSourceMetadata* meta) {
  const int id = btf__find_by_name_kind(btf, struct_name.c_str(), BTF_KIND_STRUCT);
  if (id < 0) {
    throw Error(ErrorCode::NotFound, "BTF: struct " + struct_name + " not found");
  }
  const btf_type* t = btf__type_by_id(btf, static_cast<uint32_t>(id));
  Walker walker(btf, meta);
  walker.walk(t, "", 0);
  std::vector<FieldSchema> fields = walker.take();
  const auto rest = meta ? meta->annotations.find("ebpf.rest.name") : Annotations::const_iterator{};
  if (meta && rest != meta->annotations.end() && !rest->second.empty()) {
    FieldSchema f;
    f.full_name = rest->second;
    f.kind = FieldKind::Bytes;
    f.offset = t->size;
    f.rest = true;
    if (auto len = meta->annotations.find("ebpf.rest.len"); len != meta->annotations.end()) {
      f.source = len->second;
    }
    f.order = static_cast<int>(fields.size());
    fields.push_back(std::move(f));
  }
  return fields;
}

std::vector<FieldSchema> event_fields(const struct btf* btf, const std::string& struct_name) {
  return event_fields(btf, struct_name, nullptr);
}

bool is_operator_field(const std::string& full_name) {
  if (full_name == "runtime" || full_name == "k8s" || starts_with(full_name, "runtime.") ||
      starts_with(full_name, "k8s.")) {
    return true;
  }
  // The ustack operator adds these under any gadget_user_stack member.
  for (std::string_view leaf : {".addresses", ".symbols", ".buildid"}) {
    if (full_name.size() > leaf.size() && full_name.ends_with(leaf)) return true;
  }
  return false;
}

}  // namespace ig::metadata
