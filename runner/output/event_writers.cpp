#include "runner/output/event_writers.hpp"

#include <algorithm>
#include <charconv>
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
    case FieldKind::Int: append_int(out, v.i); break;
    case FieldKind::Bool: out += v.u ? "true" : "false"; break;
    case FieldKind::Float: {
      char buf[64];
      out.append(buf, std::to_chars(buf, buf + sizeof buf, v.d).ptr);
      break;
    }
    default: out += v.s; break;
  }
}

void append_base64(std::string& out, const std::string& data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const uint32_t n = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
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
      "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE",
      "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null",
      "NULL", ".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN", "<<"};
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
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
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

void ColumnsWriter::header(std::string& out) const {
  bool first = true;
  std::string name;
  for (int c : columns_) {
    const Field& f = table_.fields()[c];
    if (!first) out += ' ';
    first = false;
    name = f.alias.empty() ? f.schema.full_name : f.alias;
    for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    format::append_cell(out, name, f.width, f.align, format::Ellipsis::End);
  }
  out += '\n';
}

void ColumnsWriter::row(std::string& out, const Row& row) {
  bool first = true;
  for (int c : columns_) {
    const Field& f = table_.fields()[c];
    const Value& v = row[c];
    if (!first) out += ' ';
    first = false;
    cell_.clear();
    if (is_text(f)) {
      format::append_go_escaped(cell_, v.s);
    } else if (f.schema.kind == FieldKind::Bytes || f.schema.kind == FieldKind::Struct) {
      cell_ += '<';
      append_uint(cell_, f.schema.size);
      cell_ += " bytes>";
    } else {
      append_plain(cell_, f, v);
    }
    format::append_cell(out, cell_, f.width, f.align, f.ellipsis);
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

}  // namespace ig::runner::output
