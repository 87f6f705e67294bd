#include <bpf/btf.h>

#include <optional>

#include "runner/format/formatters.hpp"
#include "runner/kstack/kernel_stacks.hpp"
#include "runner/operators/data_operators.hpp"

namespace ig::runner::operators {
namespace {

using metadata::FieldKind;
using metadata::Formatter;

struct BtfDeleter {
  void operator()(struct btf* b) const { btf__free(b); }
};

// One formatted field and what it is computed from; built once, run per event.
struct Converter {
  int source;
  int target;
  Formatter formatter;
  int aux;  // second input field, -1 if none
  std::optional<format::EnumNames> enum_names;
  std::optional<format::GoTimeFormat> time;  // timestamps
};

class Formatters : public DataOperator {
 public:
  Formatters(const struct btf* btf, const fields::FieldTable& table,
             const EventEnrichers& enrichers, const FormatterOptions& options)
      : enrichers_(enrichers), users_(options.passwd_path, options.group_path) {
    std::unique_ptr<struct btf, BtfDeleter> kernel;
    const auto& fields = table.fields();
    for (size_t i = 0; i < fields.size(); ++i) {
      const auto& s = fields[i].schema;
      if (s.kind != FieldKind::Formatted) continue;
      Converter c{table.find(s.source), static_cast<int>(i),
                  s.formatter,          s.aux.empty() ? -1 : table.find(s.aux),
                  std::nullopt,         {}};
      if (c.source < 0 || (!s.aux.empty() && c.aux < 0)) continue;
      const auto& src = fields[c.source];
      if (s.formatter == Formatter::Enum) {
        if (options.kernel_enums && !kernel) kernel.reset(btf__load_vmlinux_btf());
        const auto sep = src.annotations.find("ebpf.formatter.bitfield.separator");
        c.enum_names.emplace(btf, s.btf_type_id, kernel.get(),
                             sep == src.annotations.end() ? "" : sep->second);
      } else if (s.formatter == Formatter::Timestamp) {
        const auto layout = src.annotations.find("formatters.timestamp.format");
        c.time.emplace(layout != src.annotations.end() && !layout->second.empty()
                           ? std::string_view(layout->second)
                           : format::kDefaultTimestampLayout);
      }
      converters_.push_back(std::move(c));
    }
  }

  std::string_view name() const override { return "formatters"; }
  bool empty() const { return converters_.empty(); }

  bool on_event(output::Row& row) override {
    for (auto& c : converters_) {
      output::Value& src = row[c.source];
      std::string& out = row[c.target].s;
      out.clear();
      convert(c, src, c.aux >= 0 ? &row[c.aux] : nullptr, out);
    }
    return true;
  }

 private:
  void convert(Converter& c, output::Value& src, const output::Value* aux, std::string& out) {
    switch (c.formatter) {
      case Formatter::Timestamp: {
        const int64_t wall = clock_.to_wall(src.u);
        src.u = static_cast<uint64_t>(wall);  // upstream overwrites the raw field too
        c.time->append(out, wall);
        break;
      }
      case Formatter::Syscall:
        return syscalls_.append(out, src.u);
      case Formatter::Enum:
        return c.enum_names->append(out, src.u);
      case Formatter::Signal:
        return format::append_signal_name(out, static_cast<uint32_t>(src.u));
      case Formatter::Errno:
        return format::append_errno_name(out, static_cast<uint32_t>(src.u));
      case Formatter::Uid:
        return users_.append_user(out, static_cast<uint32_t>(src.u));
      case Formatter::Gid:
        return users_.append_group(out, static_cast<uint32_t>(src.u));
      case Formatter::FileMode:
        return format::append_file_mode(out, static_cast<uint32_t>(src.u));
      case Formatter::FileFlags:
        return format::append_file_flags(out, static_cast<uint32_t>(src.u));
      case Formatter::Bytes:
        return format::append_bytes(out, src.u);
      case Formatter::Duration:
        return format::append_duration(out, src.u);
      case Formatter::IpAddr:
        return format::append_ip_address(out, src.s, static_cast<uint8_t>(aux->u));
      case Formatter::Endpoint:
        // An address that could not be read leaves the endpoint empty too.
        if (!src.s.empty()) {
          out += src.s;
          out += ':';
          out += std::to_string(aux->u);
        }
        break;
      case Formatter::Protocol:
        return format::append_ip_protocol(out, static_cast<uint32_t>(src.u));
      case Formatter::KernelStack:
        if (enrichers_.kernel_stacks) enrichers_.kernel_stacks->append(out, src.u);
        break;
      case Formatter::None:
        break;
    }
  }

  const EventEnrichers& enrichers_;
  std::vector<Converter> converters_;
  format::SyscallNames syscalls_;
  format::UserGroupNames users_;
  format::BootClock clock_;
};

}  // namespace

std::unique_ptr<DataOperator> make_formatters(const struct btf* btf,
                                              const fields::FieldTable& table,
                                              const EventEnrichers& enrichers,
                                              const FormatterOptions& options) {
  auto formatters = std::make_unique<Formatters>(btf, table, enrichers, options);
  if (formatters->empty()) return nullptr;
  return formatters;
}

}  // namespace ig::runner::operators
