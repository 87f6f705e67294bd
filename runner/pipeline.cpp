#include "runner/pipeline.hpp"

#include <bpf/btf.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>

#include "runner/enrich/container.hpp"
#include "runner/fields/field_table.hpp"
#include "runner/filter/event_filter.hpp"
#include "runner/format/formatters.hpp"
#include "runner/format/text.hpp"
#include "runner/kstack/kernel_stacks.hpp"
#include "runner/output/event_writers.hpp"
#include "runner/ustack/symbolizer.hpp"
#include "util/error.hpp"

namespace ig::runner {
namespace {

using metadata::FieldKind;
using metadata::Formatter;

enum class Mode { Columns, Json, JsonPretty, Yaml, None };

// handle() writes its buffered lines once they reach this size.
constexpr size_t kWriteThreshold = 64 * 1024;
// flush() writes at most this often: under load poll batches are small and frequent, and a
// write(2) per batch costs more than formatting its events. A quiet stream is written at once.
constexpr auto kFlushInterval = std::chrono::milliseconds(10);

Mode parse_mode(const std::string& mode) {
  if (mode == "columns") return Mode::Columns;
  if (mode == "json") return Mode::Json;
  if (mode == "jsonpretty") return Mode::JsonPretty;
  if (mode == "yaml") return Mode::Yaml;
  if (mode == "none") return Mode::None;
  throw Error(ErrorCode::InvalidArgument, "-o: unsupported output mode \"" + mode +
                                              "\" (columns, json, jsonpretty, yaml, none)");
}

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

}  // namespace

struct EventPipeline::Impl {
  Impl(const struct btf* btf, const std::string& name, const std::vector<std::string>& structs,
       const metadata::DataSourceMetadata* meta, const OutputOptions& options, std::FILE* out)
      : table(btf, structs, meta),
        mode(parse_mode(options.mode)),
        out(out),
        users(options.passwd_path, options.group_path) {
    terminal = options.terminal_width > 0;
    if (meta) meta_annotations = meta->annotations;
    for (const auto& s : structs) {
      const int id = btf__find_by_name_kind(btf, s.c_str(), BTF_KIND_STRUCT);
      struct_size += static_cast<size_t>(btf__resolve_size(btf, static_cast<uint32_t>(id)));
    }
    // Slack so bitfield storage reads never run past the copy.
    record.assign(struct_size + 8, 0);
    row.resize(table.fields().size());

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
      converters.push_back(std::move(c));
    }

    for (size_t i = 0; i < fields.size(); ++i) {
      const auto k = fields[i].schema.kind;
      if (!fields[i].operator_field && k != FieldKind::Struct && k != FieldKind::Formatted) {
        members.push_back(static_cast<int>(i));
      }
    }

    if (mode == Mode::Columns) {
      columns.emplace(table, select_columns(name, options.fields));
      if (options.terminal_width > 0) columns->fit_to(options.terminal_width);
    }
    if (mode == Mode::Json || mode == Mode::JsonPretty)
      json.emplace(table, mode == Mode::Json ? 0 : 2);
    if (!options.filter.empty()) filter.emplace(table, options.filter);
    find_operator_fields();
  }

  // Where the operators read their inputs and write their outputs.
  void find_operator_fields() {
    const auto& fields = table.fields();
    for (size_t i = 0; i < fields.size(); ++i) {
      const auto& f = fields[i];
      if (mntns_field < 0 && !f.operator_field && f.schema.type_name == "gadget_mntns_id" &&
          f.schema.kind != FieldKind::Struct) {
        mntns_field = static_cast<int>(i);
      }
      if (f.schema.type_name == "gadget_user_stack" && f.schema.kind == FieldKind::Struct) {
        const std::string& p = f.schema.full_name;
        UstackFields u{table.find(p + ".stack_id"),  table.find(p + ".tgid_level0"),
                       table.find(p + ".inode"),     table.find(p + ".base_addr_hash"),
                       table.find(p + ".addresses"), table.find(p + ".symbols"),
                       table.find(p + ".buildid")};
        if (u.stack_id >= 0 && u.tgid >= 0 && u.inode >= 0 && u.base_addr_hash >= 0 &&
            u.addresses >= 0 && u.symbols >= 0 && u.buildid >= 0) {
          ustacks.push_back(u);
        }
      }
    }
    runtime = {table.find("runtime.containerName"),      table.find("runtime.containerId"),
               table.find("runtime.containerImageName"), table.find("runtime.containerImageDigest"),
               table.find("runtime.containerPid"),       table.find("runtime.runtimeName")};
  }

  // Returns false when the event must be dropped.
  bool enrich() {
    std::shared_ptr<const enrich::Container> found;
    if (mntns_field >= 0 && enrichers.container) found = enrichers.container(row[mntns_field].u);
    const enrich::Container* c = found.get();
    if (mntns_field >= 0 && enrichers.keep && !enrichers.keep(c)) return false;
    if (runtime.name >= 0) {
      row[runtime.name].s = c ? c->name : std::string();
      row[runtime.id].s = c ? c->id : std::string();
      row[runtime.image].s = c ? c->image : std::string();
      row[runtime.digest].s = c ? c->image_digest : std::string();
      row[runtime.pid].u = c ? c->pid : 0;
      row[runtime.runtime].s = c ? c->runtime : std::string();
    }
    for (const auto& u : ustacks) {
      if (!enrichers.ustack) break;
      ustack::StackRef ref;
      ref.stack_id = static_cast<uint32_t>(row[u.stack_id].u);
      ref.tgid = static_cast<uint32_t>(row[u.tgid].u);
      ref.inode = row[u.inode].u;
      ref.base_addr_hash = static_cast<uint32_t>(row[u.base_addr_hash].u);
      enrichers.ustack->resolve(ref, row[u.addresses].s, row[u.symbols].s, row[u.buildid].s);
    }
    return true;
  }

  std::vector<int> select_columns(const std::string& ds, const std::vector<std::string>& entries) {
    std::vector<std::string> tokens;
    for (const auto& entry : entries) {
      std::string_view rest = entry;
      // "ds:f1,f2" applies to data source ds only.
      if (const size_t colon = rest.find(':'); colon != std::string_view::npos) {
        if (rest.substr(0, colon) != ds) continue;
        rest.remove_prefix(colon + 1);
      }
      while (!rest.empty()) {
        const size_t comma = rest.find(',');
        std::string_view token = rest.substr(0, comma);
        if (!token.empty()) tokens.emplace_back(token);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
    const bool replace = std::any_of(tokens.begin(), tokens.end(), [](const std::string& t) {
      return t[0] != '+' && t[0] != '-';
    });
    std::vector<int> cols = replace ? std::vector<int>{} : table.default_columns();
    for (const auto& token : tokens) {
      const bool add = token[0] != '-';
      const std::string name = (token[0] == '+' || token[0] == '-') ? token.substr(1) : token;
      const int index = table.find(name);
      if (index < 0) throw unknown_field(name);
      const auto it = std::find(cols.begin(), cols.end(), index);
      if (add && it == cols.end()) cols.push_back(index);
      if (!add && it != cols.end()) cols.erase(it);
    }
    return cols;
  }

  Error unknown_field(const std::string& name) const {
    std::string valid;
    for (const auto& f : table.fields()) {
      if (f.schema.kind == FieldKind::Struct) continue;
      if (!valid.empty()) valid += ", ";
      valid += f.schema.full_name;
    }
    return Error(ErrorCode::InvalidArgument,
                 "--fields: unknown field \"" + name + "\"; valid fields: " + valid);
  }

  void decode(const void* data, size_t size) {
    const size_t n = std::min(size, struct_size);
    std::memcpy(record.data(), data, n);
    if (n < struct_size) std::memset(record.data() + n, 0, struct_size - n);

    const auto& fields = table.fields();
    for (int index : members) {
      const auto& s = fields[index].schema;
      output::Value& v = row[index];
      const unsigned char* p = record.data() + s.offset;
      switch (s.kind) {
        case FieldKind::String:
          v.s.assign(reinterpret_cast<const char*>(p),
                     strnlen(reinterpret_cast<const char*>(p), s.size));
          break;
        case FieldKind::Bytes:
          v.s.assign(reinterpret_cast<const char*>(p), s.size);
          break;
        case FieldKind::Float:
          if (s.size == 4) {
            float f;
            std::memcpy(&f, p, 4);
            v.d = f;
          } else {
            std::memcpy(&v.d, p, 8);
          }
          break;
        default: {
          uint64_t u = 0;
          std::memcpy(&u, p, std::min<size_t>(s.size, 8));  // BPF records are host-endian
          unsigned bits = s.size * 8;
          if (s.bit_size != 0) {
            u >>= s.bit_offset;
            bits = s.bit_size;
          }
          if (bits < 64) u &= (uint64_t{1} << bits) - 1;
          v.u = u;
          if (s.kind == FieldKind::Int) {
            const uint64_t sign = uint64_t{1} << (bits - 1);
            v.i = static_cast<int64_t>((u ^ sign) - sign);
          }
        }
      }
    }
  }

  void convert() {
    for (auto& c : converters) {
      output::Value& src = row[c.source];
      std::string& out = row[c.target].s;
      out.clear();
      switch (c.formatter) {
        case Formatter::Timestamp: {
          const int64_t wall = clock.to_wall(src.u);
          src.u = static_cast<uint64_t>(wall);  // upstream overwrites the raw field too
          c.time->append(out, wall);
          break;
        }
        case Formatter::Syscall:
          syscalls.append(out, src.u);
          break;
        case Formatter::Enum:
          c.enum_names->append(out, src.u);
          break;
        case Formatter::Signal:
          format::append_signal_name(out, static_cast<uint32_t>(src.u));
          break;
        case Formatter::Errno:
          format::append_errno_name(out, static_cast<uint32_t>(src.u));
          break;
        case Formatter::Uid:
          users.append_user(out, static_cast<uint32_t>(src.u));
          break;
        case Formatter::Gid:
          users.append_group(out, static_cast<uint32_t>(src.u));
          break;
        case Formatter::FileMode:
          format::append_file_mode(out, static_cast<uint32_t>(src.u));
          break;
        case Formatter::FileFlags:
          format::append_file_flags(out, static_cast<uint32_t>(src.u));
          break;
        case Formatter::Bytes:
          format::append_bytes(out, src.u);
          break;
        case Formatter::Duration:
          format::append_duration(out, src.u);
          break;
        case Formatter::IpAddr:
          format::append_ip_address(out, src.s, static_cast<uint8_t>(row[c.aux].u));
          break;
        case Formatter::Endpoint:
          // An address that could not be read leaves the endpoint empty too.
          if (!src.s.empty()) {
            out += src.s;
            out += ':';
            out += std::to_string(row[c.aux].u);
          }
          break;
        case Formatter::Protocol:
          format::append_ip_protocol(out, static_cast<uint32_t>(src.u));
          break;
        case Formatter::KernelStack:
          if (enrichers.kernel_stacks) enrichers.kernel_stacks->append(out, src.u);
          break;
        case Formatter::None:
          break;
      }
    }
  }

  struct UstackFields {
    int stack_id, tgid, inode, base_addr_hash;  // inputs (BTF members)
    int addresses, symbols, buildid;            // operator outputs
  };
  struct RuntimeFields {
    int name = -1, id = -1, image = -1, digest = -1, pid = -1, runtime = -1;
  };

  void write() {
    if (buffer.empty()) return;
    std::fwrite(buffer.data(), 1, buffer.size(), out);
    buffer.clear();
  }

  void flush_now() {
    write();
    std::fflush(out);
    last_flush = std::chrono::steady_clock::now();
  }
  std::chrono::steady_clock::time_point last_flush;

  fields::FieldTable table;
  EventEnrichers enrichers;
  int mntns_field = -1;
  RuntimeFields runtime;
  std::vector<UstackFields> ustacks;
  Mode mode;
  std::FILE* out;
  size_t struct_size = 0;
  std::vector<unsigned char> record;
  output::Row row;
  std::vector<int> members;  // fields decoded from the record
  std::vector<Converter> converters;
  std::optional<filter::EventFilter> filter;
  std::optional<output::ColumnsWriter> columns;
  std::optional<output::JsonWriter> json;
  format::SyscallNames syscalls;
  format::UserGroupNames users;
  format::BootClock clock;
  std::string buffer;
  uint64_t lost = 0;
  bool array = false;
  bool terminal = false;                   // stdout is a terminal
  bool clear_screen = false;               // before each array batch
  metadata::Annotations meta_annotations;  // the data source's own
  size_t batch_rows = 0;                   // rows of the open array batch
  std::string object;                      // scratch: one JSON object of an array batch

  // The row as an element of an array batch, as Go marshals a slice: "[a,b]" compact, or
  // indented one level deeper than a lone object.
  void append_array_element() {
    const bool pretty = mode == Mode::JsonPretty;
    object.clear();
    json->row(object, row);
    while (!object.empty() && object.back() == '\n') object.pop_back();
    buffer += batch_rows == 0 ? (pretty ? "[\n" : "[") : (pretty ? ",\n" : ",");
    if (pretty) {
      buffer += "  ";
      for (char c : object) {
        buffer += c;
        if (c == '\n') buffer += "  ";
      }
    } else {
      buffer += object;
    }
    ++batch_rows;
  }
};

EventPipeline::EventPipeline(const struct btf* btf, const metadata::TracerMarker& tracer,
                             const metadata::DataSourceMetadata* meta, const OutputOptions& options,
                             std::FILE* out)
    : EventPipeline(btf, tracer.name, {tracer.struct_name}, meta, options, out) {}

EventPipeline::EventPipeline(const struct btf* btf, const std::string& name,
                             const std::vector<std::string>& structs,
                             const metadata::DataSourceMetadata* meta, const OutputOptions& options,
                             std::FILE* out)
    : impl_(std::make_unique<Impl>(btf, name, structs, meta, options, out)) {}

EventPipeline::~EventPipeline() = default;

void EventPipeline::set_enrichers(EventEnrichers enrichers) {
  impl_->enrichers = std::move(enrichers);
}

void EventPipeline::start() {
  // An array data source prints its header with each batch.
  if (impl_->mode == Mode::Columns && !impl_->array) impl_->columns->header(impl_->buffer);
  impl_->flush_now();
}

void EventPipeline::begin_batch() {
  Impl& d = *impl_;
  if (d.mode == Mode::None) return;
  if (d.clear_screen) d.buffer += "\033[H\033[2J";
  if (d.mode == Mode::Columns) d.columns->header(d.buffer);
}

void EventPipeline::set_array() {
  impl_->array = true;
  // cli.clear-screen-before: each batch replaces the previous one on a terminal (top gadgets).
  impl_->clear_screen = impl_->terminal &&
                        impl_->meta_annotations.count("cli.clear-screen-before") &&
                        impl_->meta_annotations.at("cli.clear-screen-before") == "true";
}

size_t EventPipeline::record_size() const { return impl_->struct_size; }

void EventPipeline::end_batch() {
  Impl& d = *impl_;
  if (d.array && (d.mode == Mode::Json || d.mode == Mode::JsonPretty)) {
    if (d.batch_rows == 0) {
      d.buffer += "[]\n";
    } else {
      d.buffer += d.mode == Mode::JsonPretty ? "\n]\n" : "]\n";
    }
  } else if (d.array && d.mode == Mode::Yaml && d.batch_rows == 0) {
    d.buffer += "---\n[]\n";
  }
  d.batch_rows = 0;
  d.flush_now();
}

void EventPipeline::handle(const void* record, size_t size) {
  Impl& d = *impl_;
  if (d.mode == Mode::None) return;
  d.decode(record, size);
  if (!d.enrich()) return;
  d.convert();
  if (d.filter && !d.filter->matches(d.row)) return;
  switch (d.mode) {
    case Mode::Columns:
      d.columns->row(d.buffer, d.row);
      break;
    case Mode::Json:
    case Mode::JsonPretty:
      if (d.array) {
        d.append_array_element();
      } else {
        d.json->row(d.buffer, d.row);
      }
      break;
    case Mode::Yaml:
      if (d.array) {
        // One document per batch: the array as a sequence.
        if (d.batch_rows++ == 0) d.buffer += "---\n";
        output::append_yaml_item(d.buffer, d.table, d.row);
      } else {
        output::append_yaml(d.buffer, d.table, d.row);
      }
      break;
    case Mode::None:
      break;
  }
  // A poll batch can be long under load; bound the buffer instead of the batch.
  if (d.buffer.size() >= kWriteThreshold) d.write();
}

void EventPipeline::flush() {
  if (std::chrono::steady_clock::now() - impl_->last_flush < kFlushInterval) return;
  impl_->flush_now();
}

void EventPipeline::report_lost(uint64_t count) {
  if (count == 0) return;
  impl_->lost += count;
  impl_->flush_now();  // keep the warning after the events it follows
  std::fprintf(stderr, "warning: lost %llu events\n", static_cast<unsigned long long>(count));
}

void EventPipeline::finish() {
  impl_->flush_now();
  if (impl_->lost > 0) {
    std::fprintf(stderr, "warning: lost %llu events in total\n",
                 static_cast<unsigned long long>(impl_->lost));
  }
}

std::vector<std::pair<std::string, std::string>> EventPipeline::describe_fields() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : impl_->table.fields()) {
    if (f.schema.kind == FieldKind::Struct) continue;
    out.emplace_back(f.schema.full_name, f.description);
  }
  return out;
}

std::vector<std::string> EventPipeline::column_names() const {
  std::vector<std::string> out;
  if (!impl_->columns) return out;
  for (int c : impl_->columns->columns()) {
    const auto& f = impl_->table.fields()[c];
    std::string name = f.alias.empty() ? f.schema.full_name : f.alias;
    for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    out.push_back(std::move(name));
  }
  return out;
}

}  // namespace ig::runner
