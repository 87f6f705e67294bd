#include "runner/output/data_writer.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "runner/instance/sink.hpp"
#include "util/error.hpp"

namespace ig::runner::output {
namespace {

using metadata::FieldKind;

// row() hands its buffered lines to the sink once they reach this size.
constexpr size_t kWriteThreshold = 64 * 1024;
// flush() writes at most this often: under load poll batches are small and frequent, and a
// write(2) per batch costs more than formatting its events. A quiet stream is written at once.
constexpr auto kFlushInterval = std::chrono::milliseconds(10);

Error unknown_field(const fields::FieldTable& table, const std::string& name) {
  std::string valid;
  for (const auto& f : table.fields()) {
    if (f.schema.kind == FieldKind::Struct) continue;
    if (!valid.empty()) valid += ", ";
    valid += f.schema.full_name;
  }
  return Error(ErrorCode::InvalidArgument,
               "--fields: unknown field \"" + name + "\"; valid fields: " + valid);
}

// The comma-separated items of the --fields entries for data source `ds` ("ds:a,b" entries
// name their data source).
std::vector<std::string> field_tokens(const std::string& ds,
                                      const std::vector<std::string>& entries) {
  std::vector<std::string> tokens;
  for (const auto& entry : entries) {
    std::string_view rest = entry;
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
  return tokens;
}

}  // namespace

DataWriter::Mode DataWriter::parse_mode(const std::string& mode, const Sink& sink) {
  if (mode == "rows" && sink.takes_rows()) return Mode::Rows;
  if (mode == "columns") return Mode::Columns;
  if (mode == "json") return Mode::Json;
  if (mode == "jsonpretty") return Mode::JsonPretty;
  if (mode == "yaml") return Mode::Yaml;
  if (mode == "pcap-ng") return Mode::PcapNg;
  if (mode == "none") return Mode::None;
  throw Error(ErrorCode::InvalidArgument, "-o: unsupported output mode \"" + mode +
                                              "\" (columns, json, jsonpretty, yaml, pcap-ng, none)");
}

DataWriter::DataWriter(const fields::FieldTable& table, const std::string& datasource,
                       const metadata::Annotations& annotations, const WriterOptions& options,
                       Sink& sink)
    : table_(table), datasource_(datasource), mode_(parse_mode(options.mode, sink)), sink_(sink) {
  terminal_ = options.terminal_width > 0;
  const auto clear = annotations.find("cli.clear-screen-before");
  clear_screen_annotated_ = clear != annotations.end() && clear->second == "true";
  if (mode_ == Mode::Columns) {
    columns_.emplace(table, select_columns(options.fields));
    if (options.terminal_width > 0) columns_->fit_to(options.terminal_width);
  }
  if (mode_ == Mode::Json || mode_ == Mode::JsonPretty) {
    json_.emplace(table, mode_ == Mode::Json ? 0 : 2);
  }
  if (mode_ == Mode::PcapNg) pcapng_.emplace(table, annotations, datasource);
}

std::vector<int> DataWriter::select_columns(const std::vector<std::string>& entries) const {
  const std::vector<std::string> tokens = field_tokens(datasource_, entries);
  const bool replace = std::any_of(tokens.begin(), tokens.end(),
                                   [](const std::string& t) { return t[0] != '+' && t[0] != '-'; });
  std::vector<int> cols = replace ? std::vector<int>{} : table_.default_columns();
  for (const auto& token : tokens) {
    const bool add = token[0] != '-';
    const std::string name = (token[0] == '+' || token[0] == '-') ? token.substr(1) : token;
    const int index = table_.find(name);
    if (index < 0) throw unknown_field(table_, name);
    const auto it = std::find(cols.begin(), cols.end(), index);
    if (add && it == cols.end()) cols.push_back(index);
    if (!add && it != cols.end()) cols.erase(it);
  }
  return cols;
}

void DataWriter::set_array() {
  array_ = true;
  // Each batch replaces the previous one on a terminal (top gadgets).
  clear_screen_ = terminal_ && clear_screen_annotated_;
}

void DataWriter::start() {
  // An array data source prints its header with each batch.
  if (mode_ == Mode::Columns && !array_) columns_->header(buffer_);
  if (mode_ == Mode::PcapNg) pcapng_->start(buffer_);
  flush_now();
}

void DataWriter::begin_batch() {
  if (mode_ == Mode::None) return;
  if (clear_screen_) buffer_ += "\033[H\033[2J";
  if (mode_ == Mode::Columns && !rendered_) columns_->header(buffer_);
}

void DataWriter::text(const std::string& text) {
  if (text.empty()) return;
  switch (mode_) {
    case Mode::Columns:
      buffer_ += text;
      break;
    case Mode::Json:
      buffer_ += nlohmann::json{{"text", text}}.dump() + "\n";
      break;
    case Mode::JsonPretty:
      buffer_ += nlohmann::json{{"text", text}}.dump(2) + "\n";
      break;
    case Mode::Yaml:
      // A JSON string is a YAML double-quoted scalar.
      buffer_ += "---\ntext: " + nlohmann::json(text).dump() + "\n";
      break;
    case Mode::PcapNg:
    case Mode::Rows:  // rendered text has no fields to send
    case Mode::None:
      break;
  }
}

void DataWriter::row(const Row& row) {
  switch (mode_) {
    case Mode::Columns:
      columns_->row(buffer_, row);
      break;
    case Mode::Json:
    case Mode::JsonPretty:
      if (array_) {
        append_array_element(row);
      } else {
        json_->row(buffer_, row);
      }
      break;
    case Mode::Yaml:
      if (array_) {
        // One document per batch: the array as a sequence.
        if (batch_rows_++ == 0) buffer_ += "---\n";
        append_yaml_item(buffer_, table_, row);
      } else {
        append_yaml(buffer_, table_, row);
      }
      break;
    case Mode::PcapNg:
      pcapng_->row(buffer_, row);
      break;
    case Mode::Rows:
      if (array_) {
        rows_.push_back(row);  // sent whole at end_batch()
      } else {
        sink_.rows(datasource_, {&row, 1});
      }
      return;
    case Mode::None:
      return;
  }
  // A poll batch can be long under load; bound the buffer instead of the batch.
  if (buffer_.size() >= kWriteThreshold) write();
}

// The row as an element of an array batch, as Go marshals a slice: "[a,b]" compact, or
// indented one level deeper than a lone object.
void DataWriter::append_array_element(const Row& row) {
  const bool pretty = mode_ == Mode::JsonPretty;
  object_.clear();
  json_->row(object_, row);
  while (!object_.empty() && object_.back() == '\n') object_.pop_back();
  buffer_ += batch_rows_ == 0 ? (pretty ? "[\n" : "[") : (pretty ? ",\n" : ",");
  if (pretty) {
    buffer_ += "  ";
    for (char c : object_) {
      buffer_ += c;
      if (c == '\n') buffer_ += "  ";
    }
  } else {
    buffer_ += object_;
  }
  ++batch_rows_;
}

void DataWriter::end_batch() {
  if (rendered_) {
    flush_now();
    return;
  }
  if (array_ && (mode_ == Mode::Json || mode_ == Mode::JsonPretty)) {
    if (batch_rows_ == 0) {
      buffer_ += "[]\n";
    } else {
      buffer_ += mode_ == Mode::JsonPretty ? "\n]\n" : "]\n";
    }
  } else if (array_ && mode_ == Mode::Yaml && batch_rows_ == 0) {
    buffer_ += "---\n[]\n";
  } else if (array_ && mode_ == Mode::Rows) {
    sink_.rows(datasource_, rows_);
    rows_.clear();
  }
  batch_rows_ = 0;
  flush_now();
}

void DataWriter::write() {
  if (buffer_.empty()) return;
  sink_.write(datasource_, buffer_);
  buffer_.clear();
}

void DataWriter::flush() {
  if (std::chrono::steady_clock::now() - last_flush_ < kFlushInterval) return;
  flush_now();
}

void DataWriter::flush_now() {
  write();
  sink_.flush();
  last_flush_ = std::chrono::steady_clock::now();
}

std::vector<std::string> DataWriter::column_names() const {
  std::vector<std::string> out;
  if (!columns_) return out;
  for (int c : columns_->columns()) {
    const auto& f = table_.fields()[c];
    std::string name = f.alias.empty() ? f.schema.full_name : f.alias;
    for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    out.push_back(std::move(name));
  }
  return out;
}

}  // namespace ig::runner::output
