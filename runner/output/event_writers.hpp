// Renders one decoded event in the output modes of spec ig-compat.md §5.2. Values live in a
// row reused across events; writers append to a caller-owned buffer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runner/fields/field_table.hpp"

namespace ig::runner::output {

// One field's decoded value; which member is meaningful depends on the field's kind.
struct Value {
  uint64_t u = 0;  // Uint, Enum, Bool
  int64_t i = 0;   // Int
  double d = 0;    // Float
  std::string s;   // String, Bytes (raw), Formatted, operator strings
};

using Row = std::vector<Value>;

class ColumnsWriter {
 public:
  // Each column starts at its field's width.
  ColumnsWriter(const fields::FieldTable& table, std::vector<int> columns);
  // Scales the widths to fill a terminal of `width` characters as upstream's textcolumns
  // does (a column's share follows its width, within its min/max; fixed columns keep theirs).
  void fit_to(size_t width);
  void header(std::string& out) const;
  void row(std::string& out, const Row& row);
  const std::vector<int>& columns() const { return columns_; }
  const std::vector<size_t>& widths() const { return widths_; }

 private:
  const fields::FieldTable& table_;
  std::vector<int> columns_;
  std::vector<size_t> widths_;  // per column
  std::string cell_;            // scratch, reused
};

// Compact (indent 0) or indented JSON object with keys sorted at each level, one per line.
// The layout is compiled once: every key, brace and indentation of an event is precomputed
// text, so each event only formats its values.
class JsonWriter {
 public:
  JsonWriter(const fields::FieldTable& table, int indent);
  void row(std::string& out, const Row& row) const;

 private:
  struct Step {
    std::string text;  // appended first
    int field = -1;    // then this field's value, if >= 0
  };
  void compile_object(const std::vector<int>& members, int level);
  void add_text(std::string_view text);

  const fields::FieldTable& table_;
  int indent_;
  std::vector<Step> steps_;
};

// One-off JsonWriter(table, indent).row(out, row).
void append_json(std::string& out, const fields::FieldTable& table, const Row& row, int indent);

// "---" line, then the event as YAML with the JSON key order.
void append_yaml(std::string& out, const fields::FieldTable& table, const Row& row);

// The event as an item of a YAML sequence ("- key: ..."), for array data sources.
void append_yaml_item(std::string& out, const fields::FieldTable& table, const Row& row);

}  // namespace ig::runner::output
