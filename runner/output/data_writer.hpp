// The output stage of one data source: rows in the -o mode (columns, json, jsonpretty, yaml,
// pcap-ng, none; spec ig-compat.md §5.2) written to the instance's sink, buffered and rate-limited.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "metadata/gadget_metadata.hpp"
#include "runner/fields/field_table.hpp"
#include "runner/output/event_writers.hpp"
#include "runner/output/pcapng_writer.hpp"

namespace ig::runner {

class Sink;

namespace output {

struct WriterOptions {
  std::string mode = "columns";
  std::vector<std::string> fields;  // --fields entries: "a,b", "+a", "-b", "ds:a,b"
  size_t terminal_width = 0;        // 0: not a terminal, each column has its own width
};

class DataWriter {
 public:
  // Throws Error(InvalidArgument) for an unknown mode or --fields entry.
  DataWriter(const fields::FieldTable& table, const std::string& datasource,
             const metadata::Annotations& annotations, const WriterOptions& options, Sink& sink);

  bool enabled() const { return mode_ != Mode::None; }
  // Array data source: rows come in batches; json prints a batch as one array.
  void set_array();
  void start();        // header line (streams, columns mode)
  void begin_batch();  // clears the screen if asked, header in columns mode
  void row(const Row& row);
  void end_batch();
  // The data source prints rendered text instead of its rows (metrics.print histograms):
  // batches get no header, and text() writes the text itself, or {"text": ...} in json.
  void set_rendered() { rendered_ = true; }
  void text(const std::string& text);
  // Hands buffered text to the sink unless that was done less than 10 ms ago.
  void flush();
  void flush_now();
  std::vector<std::string> column_names() const;

 private:
  enum class Mode { Columns, Json, JsonPretty, Yaml, PcapNg, Rows, None };
  static Mode parse_mode(const std::string& mode, const Sink& sink);
  std::vector<int> select_columns(const std::vector<std::string>& entries) const;
  void append_array_element(const Row& row);
  void write();

  const fields::FieldTable& table_;
  std::string datasource_;
  Mode mode_;
  Sink& sink_;
  std::optional<ColumnsWriter> columns_;
  std::optional<JsonWriter> json_;
  std::optional<PcapNgWriter> pcapng_;
  bool array_ = false;
  bool clear_screen_ = false;  // before each array batch (cli.clear-screen-before, terminal)
  bool terminal_ = false;
  bool clear_screen_annotated_ = false;
  bool rendered_ = false;
  size_t batch_rows_ = 0;
  std::string buffer_;
  std::string object_;  // scratch: one JSON object of an array batch
  std::vector<Row> rows_;  // -o rows: an array data source's batch
  std::chrono::steady_clock::time_point last_flush_;
};

}  // namespace output
}  // namespace ig::runner
