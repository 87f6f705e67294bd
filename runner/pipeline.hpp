// One data source of a running gadget: raw ring/perf buffer record -> typed fields (BTF
// offsets) -> data operators (enrichment, formatters, filter, sort, limit) -> output writer ->
// the instance's sink (spec ig-compat.md §4.3, §4.4, §5.2). The eBPF operator calls handle()
// for every record and flush() after each poll batch.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "metadata/btf_markers.hpp"
#include "metadata/gadget_metadata.hpp"
#include "runner/operators/data_operator.hpp"

struct btf;

namespace ig::runner {

class Sink;
namespace fields {
class FieldTable;
}
namespace metrics {
class Registry;
}

struct OutputOptions {
  std::string mode = "columns";  // columns | json | jsonpretty | yaml | none
  std::vector<std::string>
      fields;  // --fields entries: "a,b", "+a", "-b" (case-insensitive, aliases ok)
  // Resolve enums with the running kernel's BTF when it has an enum of the same name
  // (upstream behaviour); tests turn it off for reproducible names.
  bool kernel_enums = true;
  // Columns fill a terminal this wide; 0 (not a terminal): each column has its own width.
  size_t terminal_width = 0;
  std::string filter;  // -F rules ("field<op>value,..."), empty: keep every event
  std::string passwd_path = "/etc/passwd";  // uid -> user name
  std::string group_path = "/etc/group";    // gid -> group name
  std::string sort;                      // array data sources: "field,-field", empty: as read
  std::optional<size_t> max_entries;     // array data sources: rows kept per batch
};

class EventPipeline {
 public:
  // Builds the data source `tracer.name` from BTF struct `tracer.struct_name`, applying the
  // gadget.yaml annotations of that data source (may be null), templates and formatters.
  // Throws Error(InvalidArgument) for a bad annotation, output mode or --fields entry.
  EventPipeline(const struct btf* btf, const metadata::TracerMarker& tracer,
                const metadata::DataSourceMetadata* meta, const OutputOptions& options,
                Sink& sink);
  // Data source `name` whose records are `structs` back to back (a map iterator's key and
  // value).
  EventPipeline(const struct btf* btf, const std::string& name,
                const std::vector<std::string>& structs, const metadata::DataSourceMetadata* meta,
                const OutputOptions& options, Sink& sink);
  ~EventPipeline();
  EventPipeline(const EventPipeline&) = delete;
  EventPipeline& operator=(const EventPipeline&) = delete;

  const std::string& name() const;
  // The fields as the output stage sees them, and the data source's annotations (a daemon
  // describes both to its clients).
  const fields::FieldTable& table() const;
  const metadata::Annotations& annotations() const;
  bool is_array() const;
  // Whether the data source's annotations (gadget.yaml, --annotate) set `key` to `value`.
  bool annotated(const std::string& key, const std::string& value) const;
  void set_enrichers(EventEnrichers enrichers);
  // Records the data source's metrics (metrics.collect) in `registry` under otel scope
  // `scope`, after the filter, whatever the output mode (-o none too). False when no field is
  // a metric. Throws Error(InvalidArgument) for metrics annotations that cannot apply.
  bool collect_metrics(metrics::Registry& registry, const std::string& scope);
  // An array data source (GADGET_ITER): records come in batches, and in json/jsonpretty each
  // batch prints as one JSON array (closed by end_batch()).
  void set_array();
  void start();        // header line in columns mode
  void begin_batch();  // array data sources: clears the screen if asked, header in columns
  void handle(const void* record, size_t size);  // one raw ring/perf buffer record (buffered)
  // Hands buffered lines to the sink and flushes it, unless that was done less than 10 ms ago
  // (the run loop calls it after every poll batch, so deferred lines go out with a later one).
  void flush();
  void end_batch();                  // closes an array batch and writes it
  size_t record_size() const;        // bytes of the BTF struct of one record
  void report_lost(uint64_t count);  // "lost N events" to the sink's warnings
  void finish();                     // flush; summary of lost events if any
  // Names and descriptions of all fields, for `ig run IMAGE --help`.
  std::vector<std::pair<std::string, std::string>> describe_fields() const;
  // Column headers that will be printed (columns mode), e.g. {"COMM", "PID"}.
  std::vector<std::string> column_names() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ig::runner
