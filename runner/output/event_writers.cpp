#include "runner/output/event_writers.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace ig::runner::output {
namespace {

using fields::Field;
using metadata::FieldKind;

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

bool is_text(const Field& f) {
  return f.schema.kind == FieldKind::String || f.schema.kind == FieldKind::Formatted;
}

// Plain-text form of a scalar value (columns and YAML use it).
void append_plain(std::string& out, const Field& f, const Value& v) {
  switch (f.schema.kind) {
    case FieldKind::Uint:
    case FieldKind::Enum:
      if (f.hex) {
        char buf[24];
        out += "0x";
        out.append(buf, std::to_chars(buf, buf + sizeof buf, v.u, 16).ptr);
      } else {
        append_uint(out, v.u);
      }
      break;
    case FieldKind::Int:
      append_int(out, v.i);
      break;
    case FieldKind::Bool:
      out += v.u ? "true" : "false";
      break;
    case FieldKind::Float: {
      char buf[64];
      out.append(buf, std::to_chars(buf, buf + sizeof buf, v.d).ptr);
      break;
    }
    default:
      out += v.s;
      break;
  }
}

void append_base64(std::string& out, const std::string& data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const uint32_t n =
        (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == data.size()) {
    const uint32_t n = uint8_t(data[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    const uint32_t n = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
}

// A scalar JSON value (structs are compiled into the writer's steps).
void append_json_value(std::string& out, const Field& f, const Value& v) {
  switch (f.schema.kind) {
    case FieldKind::Float: {
      char buf[64];
      out.append(buf, std::to_chars(buf, buf + sizeof buf, v.d).ptr);
      break;
    }
    case FieldKind::Bytes:
      out += '"';
      append_base64(out, v.s);  // Go encodes []byte as base64
      out += '"';
      break;
    case FieldKind::String:
    case FieldKind::Formatted:
      out += '"';
      format::append_json_escaped(out, v.s);
      out += '"';
      break;
    case FieldKind::Uint:
    case FieldKind::Enum:
      append_uint(out, v.u);  // JSON numbers are never hex
      break;
    default:
      append_plain(out, f, v);
  }
}

bool is_number_like(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i == s.size()) return false;
  if (s.substr(i, 2) == "0x" || s.substr(i, 2) == "0o" || s.substr(i, 2) == "0b") return true;
  bool digits = false;
  bool dot = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && digits) {
      ++i;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
      if (i == s.size()) return false;
      for (; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
      }
      return true;
    } else if (c == '_' && digits) {
      continue;  // YAML 1.1 allows 1_000
    } else {
      return false;
    }
  }
  return digits;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// YAML 1.1 scalars that a plain string would be read back as something else.
bool resolves_to_non_string(std::string_view s) {
  static constexpr std::string_view kWords[] = {
      "y",    "Y",    "yes",   "Yes",   "YES",   "n",     "N",     "no",   "No",
      "NO",   "true", "True",  "TRUE",  "false", "False", "FALSE", "on",   "On",
      "ON",   "off",  "Off",   "OFF",   "~",     "null",  "Null",  "NULL", ".inf",
      ".Inf", ".INF", "-.inf", "+.inf", ".nan",  ".NaN",  ".NAN",  "<<"};
  for (auto w : kWords) {
    if (s == w) return true;
  }
  if (is_number_like(s)) return true;
  // Timestamps (YYYY-M-D...).
  return s.size() >= 8 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
         s[4] == '-' && is_digit(s[5]);
}

void append_yaml_string(std::string& out, std::string_view s) {
  bool control = false;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) control = true;
  }
  if (s.empty() || control || resolves_to_non_string(s)) {
    out += '"';
    for (unsigned char c : s) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\r':
          out += "\\r";
          break;
        default:
          if (c < 0x20 || c == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
          } else {
            out += static_cast<char>(c);
          }
      }
    }
    out += '"';
    return;
  }
  static constexpr std::string_view kIndicators = "-?:,[]{}#&*!|>'\"%@`";
  const bool needs_quotes = kIndicators.find(s.front()) != std::string_view::npos ||
                            s.front() == ' ' || s.back() == ' ' || s.back() == ':' ||
                            s.find(": ") != std::string_view::npos ||
                            s.find(" #") != std::string_view::npos;
  if (!needs_quotes) {
    out += s;
    return;
  }
  out += '\'';
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
}

void append_yaml_map(std::string& out, const fields::FieldTable& table,
                     const std::vector<int>& members, const Row& row, int level) {
  for (int m : members) {
    const Field& f = table.fields()[m];
    if (f.json_skip) continue;
    out.append(static_cast<size_t>(2 * level), ' ');
    out += f.name;
    out += ':';
    const Value& v = row[m];
    switch (f.schema.kind) {
      case FieldKind::Struct: {
        const bool empty = std::none_of(f.children.begin(), f.children.end(),
                                        [&](int c) { return !table.fields()[c].json_skip; });
        if (empty) {
          out += " {}\n";
        } else {
          out += '\n';
          append_yaml_map(out, table, f.children, row, level + 1);
        }
        continue;
      }
      case FieldKind::Bytes: {
        std::string encoded;
        append_base64(encoded, v.s);
        out += ' ';
        append_yaml_string(out, encoded);
        break;
      }
      case FieldKind::String:
      case FieldKind::Formatted:
        out += ' ';
        append_yaml_string(out, v.s);
        break;
      default:
        out += ' ';
        if (f.schema.kind == FieldKind::Uint || f.schema.kind == FieldKind::Enum) {
          append_uint(out, v.u);
        } else {
          append_plain(out, f, v);
        }
    }
    out += '\n';
  }
}

}  // namespace

ColumnsWriter::ColumnsWriter(const fields::FieldTable& table, std::vector<int> columns)
    : table_(table), columns_(std::move(columns)) {
  for (int c : columns_) widths_.push_back(table_.fields()[c].width);
}

// pkg/columns/formatter/textcolumns RecalculateWidths: the space left by dividers and fixed
// columns is shared in proportion to the columns' widths; a share beyond a column's max or
// below its min is clamped and the rest shared again; what rounding leaves goes one character
// at a time to the unclamped columns, left to right. A terminal too narrow for every minimum
// gets a wider table.
void ColumnsWriter::fit_to(size_t width) {
  const auto& fields = table_.fields();
  const size_t n = columns_.size();
  if (n == 0 || width == 0) return;
  const size_t dividers = n - 1;
  size_t required = dividers, total_fixed = dividers, total_not_fixed = 0;
  for (int c : columns_) {
    const Field& f = fields[c];
    if (f.fixed) {
      required += f.width;
      total_fixed += f.width;
    } else {
      total_not_fixed += f.width;
      required += f.min_width > 0 ? f.min_width : 1;
    }
  }
  width = std::max(width, required);
  std::vector<bool> clamped(n, false);
  size_t total_adjusted = 0;
  for (bool satisfied = false; !satisfied;) {
    satisfied = true;
    total_adjusted = 0;
    size_t add_to_fixed = 0, remove_from_not_fixed = 0;
    for (size_t i = 0; i < n; ++i) {
      const Field& f = fields[columns_[i]];
      if (f.fixed) {
        widths_[i] = f.width;
        continue;
      }
      if (clamped[i]) continue;
      size_t share = static_cast<size_t>(
          std::floor(static_cast<double>(f.width) / static_cast<double>(total_not_fixed) *
                     static_cast<double>(width - total_fixed)));
      if (f.max_width > 0 && share > f.max_width) {
        share = f.max_width;
      } else if (f.min_width > 0 && share < f.min_width) {
        share = f.min_width;
      } else {
        total_adjusted += share;
        widths_[i] = share;
        continue;
      }
      widths_[i] = share;
      clamped[i] = true;
      add_to_fixed += share;
      remove_from_not_fixed += f.width;
      satisfied = false;
    }
    if (!satisfied) {
      total_fixed += add_to_fixed;
      total_not_fixed -= remove_from_not_fixed;
    }
  }
  size_t leftover = width > total_adjusted + total_fixed ? width - total_adjusted - total_fixed : 0;
  while (leftover > 0) {
    bool gave = false;
    for (size_t i = 0; i < n && leftover > 0; ++i) {
      if (fields[columns_[i]].fixed || clamped[i]) continue;
      ++widths_[i];
      --leftover;
      gave = true;
    }
    if (!gave) break;
  }
}

void ColumnsWriter::header(std::string& out) const {
  bool first = true;
  std::string name;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const Field& f = table_.fields()[columns_[i]];
    if (!first) out += ' ';
    first = false;
    name = f.alias.empty() ? f.schema.full_name : f.alias;
    for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    format::append_cell(out, name, widths_[i], f.align, format::Ellipsis::End);
  }
  out += '\n';
}

void ColumnsWriter::row(std::string& out, const Row& row) {
  bool first = true;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const int c = columns_[i];
    const Field& f = table_.fields()[c];
    // columns.replace: this column's place and layout, another field's value.
    const Field& shown = f.replace >= 0 ? table_.fields()[f.replace] : f;
    const Value& v = row[f.replace >= 0 ? f.replace : c];
    if (!first) out += ' ';
    first = false;
    cell_.clear();
    if (is_text(shown)) {
      format::append_go_escaped(cell_, v.s);
    } else if (shown.schema.kind == FieldKind::Bytes || shown.schema.kind == FieldKind::Struct) {
      cell_ += '<';
      append_uint(cell_, shown.schema.rest ? v.s.size() : shown.schema.size);
      cell_ += " bytes>";
    } else if (shown.schema.kind == FieldKind::Float) {
      char buf[64];
      const int n = std::snprintf(buf, sizeof buf, "%.*f", shown.precision, v.d);  // as upstream's columns
      cell_.append(buf, static_cast<size_t>(std::max(n, 0)));
    } else {
      append_plain(cell_, shown, v);
    }
    format::append_cell(out, cell_, widths_[i], f.align, f.ellipsis);
  }
  out += '\n';
}

JsonWriter::JsonWriter(const fields::FieldTable& table, int indent)
    : table_(table), indent_(indent) {
  compile_object(table.roots(), 0);
  add_text("\n");
}

void JsonWriter::add_text(std::string_view text) {
  if (steps_.empty() || steps_.back().field >= 0) steps_.emplace_back();
  steps_.back().text += text;
}

void JsonWriter::compile_object(const std::vector<int>& members, int level) {
  const auto newline = [this](int depth) {
    add_text("\n" + std::string(static_cast<size_t>(indent_ * depth), ' '));
  };
  add_text("{");
  bool first = true;
  for (int m : members) {
    const Field& f = table_.fields()[m];
    if (f.json_skip) continue;
    if (!first) add_text(",");
    first = false;
    if (indent_ > 0) newline(level + 1);
    std::string key = "\"";
    format::append_json_escaped(key, f.name);
    key += indent_ > 0 ? "\": " : "\":";
    add_text(key);
    if (f.schema.kind == FieldKind::Struct) {
      compile_object(f.children, level + 1);
    } else {
      steps_.back().field = m;
    }
  }
  if (indent_ > 0 && !first) newline(level);
  add_text("}");
}

void JsonWriter::row(std::string& out, const Row& row) const {
  const auto& fields = table_.fields();
  for (const Step& step : steps_) {
    out += step.text;
    if (step.field >= 0) append_json_value(out, fields[step.field], row[step.field]);
  }
}

void append_json(std::string& out, const fields::FieldTable& table, const Row& row, int indent) {
  JsonWriter(table, indent).row(out, row);
}

void append_yaml(std::string& out, const fields::FieldTable& table, const Row& row) {
  out += "---\n";
  append_yaml_map(out, table, table.roots(), row, 0);
}

void append_yaml_item(std::string& out, const fields::FieldTable& table, const Row& row) {
  std::string map;
  append_yaml_map(map, table, table.roots(), row, 0);
  // "- " before the first line, two spaces before the others.
  for (size_t start = 0; start < map.size();) {
    const size_t end = map.find('\n', start);
    const size_t stop = end == std::string::npos ? map.size() : end + 1;
    out += start == 0 ? "- " : "  ";
    out.append(map, start, stop - start);
    start = stop;
  }
}

}  // namespace ig::runner::output
