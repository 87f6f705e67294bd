#include "runner/pipeline.hpp"

#include <bpf/btf.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "runner/fields/field_table.hpp"
#include "runner/instance/sink.hpp"
#include "runner/operators/data_operators.hpp"
#include "runner/operators/dns_decoder.hpp"
#include "runner/output/data_writer.hpp"
#include "runner/output/histogram.hpp"
#include "util/error.hpp"

namespace ig::runner {
namespace {

using metadata::FieldKind;

output::WriterOptions writer_options(const OutputOptions& options) {
  return {options.mode, options.fields, options.terminal_width};
}

operators::FormatterOptions formatter_options(const OutputOptions& options) {
  return {options.kernel_enums, options.passwd_path, options.group_path};
}

// Decodes one BTF field of a record copy into its row value.
void decode_member(const metadata::FieldSchema& s, const unsigned char* record, output::Value& v) {
  const unsigned char* p = record + s.offset;
  switch (s.kind) {
    case FieldKind::String:
      v.s.assign(reinterpret_cast<const char*>(p),
                 strnlen(reinterpret_cast<const char*>(p), s.size));
      return;
    case FieldKind::Bytes:
      v.s.assign(reinterpret_cast<const char*>(p), s.size);
      return;
    case FieldKind::Float:
      if (s.size == 4) {
        float f;
        std::memcpy(&f, p, 4);
        v.d = f;
      } else {
        std::memcpy(&v.d, p, 8);
      }
      return;
    default:
      break;
  }
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

bool has_annotation(const metadata::Annotations& annotations, const char* key, const char* value) {
  const auto it = annotations.find(key);
  return it != annotations.end() && it->second == value;
}

}  // namespace

struct EventPipeline::Impl {
  Impl(const struct btf* btf, const std::string& name, const std::vector<std::string>& structs,
       const metadata::DataSourceMetadata* meta, const OutputOptions& options, Sink& sink)
      : btf(btf),
        name(name),
        annotations(meta ? meta->annotations : metadata::Annotations{}),
        table(btf, structs, meta),
        writer(table, name, meta ? meta->annotations : metadata::Annotations{},
               writer_options(options), sink),
        sink(sink) {
    for (const auto& s : structs) {
      const int id = btf__find_by_name_kind(btf, s.c_str(), BTF_KIND_STRUCT);
      struct_size += static_cast<size_t>(btf__resolve_size(btf, static_cast<uint32_t>(id)));
    }
    // Slack so bitfield storage reads never run past the copy.
    record.assign(struct_size + 8, 0);
    row.resize(table.fields().size());
    const auto& fields = table.fields();
    for (size_t i = 0; i < fields.size(); ++i) {
      const auto k = fields[i].schema.kind;
      if (fields[i].schema.rest) {
        rest_fields.emplace_back(static_cast<int>(i), rest_length_field(fields[i].schema));
      } else if (!fields[i].operator_field && k != FieldKind::Struct && k != FieldKind::Formatted) {
        members.push_back(static_cast<int>(i));
      }
    }
    add_operators(btf, options);
    if (meta && has_annotation(meta->annotations, "metrics.print", "true")) {
      histograms.emplace(btf, table);
      if (histograms->empty()) {
        histograms.reset();  // upstream prints counters and gauges too: not done here yet
      } else {
        writer.set_rendered();
      }
    }
  }

  // The data operators in their declared order: enrichment first (it must run while the
  // process still exists), formatters, then the filter that may name any of their fields,
  // then the batch operators of array data sources.
  void add_operators(const struct btf* btf, const OutputOptions& options) {
    const auto add = [this](std::unique_ptr<DataOperator> op) {
      if (op) chain.push_back(std::move(op));
    };
    add(operators::make_container_enricher(table, enrichers));
    add(operators::make_dns_decoder(table));
    add(operators::make_ustack_enricher(table, enrichers));
    add(operators::make_formatters(btf, table, enrichers, formatter_options(options)));
    add(operators::make_filter(table, options.filter));
    metrics_position = chain.size();
    add(operators::make_sort(table, options.sort));
    if (options.max_entries) add(operators::make_limit(*options.max_entries));
  }

  int rest_length_field(const metadata::FieldSchema& rest) const {
    if (rest.source.empty()) return -1;
    const int index = table.find(rest.source);
    if (index < 0 || table.fields()[index].schema.kind != FieldKind::Uint) {
      throw Error(ErrorCode::InvalidArgument, "data source " + name + ": ebpf.rest.len \"" +
                                                  rest.source + "\" is no unsigned field");
    }
    return index;
  }

  void decode(const void* data, size_t size) {
    const size_t n = std::min(size, struct_size);
    std::memcpy(record.data(), data, n);
    if (n < struct_size) std::memset(record.data() + n, 0, struct_size - n);
    const auto& fields = table.fields();
    for (int index : members) decode_member(fields[index].schema, record.data(), row[index]);
    // What follows the struct (bpf_perf_event_output's packet bytes), up to the length field.
    for (const auto& [index, length] : rest_fields) {
      size_t count = size - n;
      if (length >= 0) count = std::min<size_t>(count, row[length].u);
      row[index].s.assign(static_cast<const char*>(data) + n, count);
    }
  }

  bool run_chain() {
    for (auto& op : chain) {
      if (!op->on_event(row)) return false;
    }
    return true;
  }

  const struct btf* btf;
  std::string name;
  metadata::Annotations annotations;
  fields::FieldTable table;
  EventEnrichers enrichers;
  size_t metrics_position = 0;  // the collector runs after the filter
  bool collecting = false;      // metrics are recorded even when nothing is printed
  std::vector<std::unique_ptr<DataOperator>> chain;
  output::DataWriter writer;
  Sink& sink;
  size_t struct_size = 0;
  std::vector<unsigned char> record;
  output::Row row;
  std::vector<int> members;  // fields decoded from the record
  std::vector<std::pair<int, int>> rest_fields;  // the bytes after the struct, its length field
  bool array = false;
  std::vector<output::Row> batch;  // an array data source's rows until end_batch()
  std::optional<output::HistogramPrinter> histograms;  // metrics.print: text instead of rows
  uint64_t lost = 0;
};

EventPipeline::EventPipeline(const struct btf* btf, const metadata::TracerMarker& tracer,
                             const metadata::DataSourceMetadata* meta, const OutputOptions& options,
                             Sink& sink)
    : EventPipeline(btf, tracer.name, {tracer.struct_name}, meta, options, sink) {}

EventPipeline::EventPipeline(const struct btf* btf, const std::string& name,
                             const std::vector<std::string>& structs,
                             const metadata::DataSourceMetadata* meta, const OutputOptions& options,
                             Sink& sink)
    : impl_(std::make_unique<Impl>(btf, name, structs, meta, options, sink)) {}

EventPipeline::~EventPipeline() = default;

const std::string& EventPipeline::name() const { return impl_->name; }
const fields::FieldTable& EventPipeline::table() const { return impl_->table; }
const metadata::Annotations& EventPipeline::annotations() const { return impl_->annotations; }
bool EventPipeline::is_array() const { return impl_->array; }

bool EventPipeline::annotated(const std::string& key, const std::string& value) const {
  return has_annotation(impl_->annotations, key.c_str(), value.c_str());
}

bool EventPipeline::collect_metrics(metrics::Registry& registry, const std::string& scope) {
  Impl& d = *impl_;
  auto collector = operators::make_metrics_collector(d.btf, d.table, d.annotations, scope, registry);
  if (!collector) return false;
  d.chain.insert(d.chain.begin() + static_cast<std::ptrdiff_t>(d.metrics_position), std::move(collector));
  d.collecting = true;
  return true;
}

void EventPipeline::set_enrichers(EventEnrichers enrichers) {
  impl_->enrichers = std::move(enrichers);
}

void EventPipeline::set_array() {
  impl_->array = true;
  impl_->writer.set_array();
}

void EventPipeline::start() { impl_->writer.start(); }

void EventPipeline::begin_batch() {
  impl_->batch.clear();
  impl_->writer.begin_batch();
}

void EventPipeline::handle(const void* record, size_t size) {
  Impl& d = *impl_;
  if (!d.writer.enabled() && !d.collecting) return;
  d.decode(record, size);
  if (!d.run_chain() || !d.writer.enabled()) return;
  if (d.array) {
    d.batch.push_back(d.row);
  } else {
    d.writer.row(d.row);
  }
}

void EventPipeline::end_batch() {
  Impl& d = *impl_;
  for (auto& op : d.chain) op->on_batch(d.batch);
  if (d.histograms) {
    d.histograms->add(d.batch);
    d.writer.text(d.histograms->render());
  } else {
    for (const auto& row : d.batch) d.writer.row(row);
  }
  d.batch.clear();
  d.writer.end_batch();
}

size_t EventPipeline::record_size() const { return impl_->struct_size; }

void EventPipeline::flush() { impl_->writer.flush(); }

void EventPipeline::report_lost(uint64_t count) {
  if (count == 0) return;
  impl_->lost += count;
  impl_->writer.flush_now();  // keep the warning after the events it follows
  impl_->sink.warn("lost " + std::to_string(count) + " events");
}

void EventPipeline::finish() {
  impl_->writer.flush_now();
  if (impl_->lost > 0) impl_->sink.warn("lost " + std::to_string(impl_->lost) + " events in total");
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
  return impl_->writer.column_names();
}

}  // namespace ig::runner
