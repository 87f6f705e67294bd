#include "runner/filter/event_filter.hpp"

#include <charconv>
#include <string_view>

#include "util/error.hpp"

namespace ig::runner::filter {
namespace {

using metadata::FieldKind;

// Splits on commas not escaped with a backslash; "\," becomes ",".
std::vector<std::string> split_rules(const std::string& text) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == ',') {
      out.back() += ',';
      ++i;
    } else if (text[i] == ',') {
      out.emplace_back();
    } else {
      out.back() += text[i];
    }
  }
  return out;
}

template <typename T>
bool parse_number(const std::string& text, T& out) {
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

template <typename T>
bool compare(T a, T b, int op) {
  switch (op) {
    case 0:
      return a == b;
    case 1:
      return a != b;
    case 2:
      return a < b;
    case 3:
      return a <= b;
    case 4:
      return a > b;
    default:
      return a >= b;
  }
}

}  // namespace

EventFilter::EventFilter(const fields::FieldTable& table, const std::string& rules) {
  if (rules.empty()) return;
  for (const std::string& text : split_rules(rules)) {
    const auto bad = [&text](const std::string& problem) {
      return Error(ErrorCode::InvalidArgument, "--filter \"" + text + "\": " + problem);
    };
    const size_t at = text.find_first_of("=!<>~");
    if (at == std::string::npos || at == 0) throw bad("expected field<op>value");
    static const std::pair<std::string_view, Op> kOps[] = {
        {"==", Op::Equal},        {"!=", Op::NotEqual}, {"<=", Op::LessEqual},
        {">=", Op::GreaterEqual}, {"!~", Op::NotMatch}, {"=", Op::Equal},
        {"<", Op::Less},          {">", Op::Greater},   {"~", Op::Match}};
    const std::string_view rest = std::string_view(text).substr(at);
    const std::pair<std::string_view, Op>* op = nullptr;
    for (const auto& candidate : kOps) {
      if (rest.starts_with(candidate.first)) {
        op = &candidate;
        break;
      }
    }
    if (!op) throw bad("unknown operator");
    Rule rule;
    const std::string name = text.substr(0, at);
    rule.field = table.find(name);
    if (rule.field < 0) throw bad("unknown field \"" + name + "\"");
    rule.op = op->second;
    rule.text = text.substr(at + op->first.size());
    const fields::Field& f = table.fields()[rule.field];
    switch (f.schema.kind) {
      case FieldKind::Uint:
      case FieldKind::Enum:
        rule.compare = Compare::Unsigned;
        break;
      case FieldKind::Bool:
        rule.compare = Compare::Unsigned;
        if (rule.text == "true") {
          rule.text.assign(1, '1');
        } else if (rule.text == "false") {
          rule.text.assign(1, '0');
        }
        break;
      case FieldKind::Int:
        rule.compare = Compare::Signed;
        break;
      case FieldKind::Float:
        rule.compare = Compare::Float;
        break;
      default:
        rule.compare = Compare::Text;
        break;
    }
    if (rule.op == Op::Match || rule.op == Op::NotMatch) {
      try {
        rule.re = std::regex(rule.text, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        throw bad(std::string("invalid regular expression: ") + e.what());
      }
    } else if ((rule.compare == Compare::Unsigned && !parse_number(rule.text, rule.u)) ||
               (rule.compare == Compare::Signed && !parse_number(rule.text, rule.i)) ||
               (rule.compare == Compare::Float && !parse_number(rule.text, rule.d))) {
      throw bad("\"" + rule.text + "\" is not a value of field " + f.schema.full_name);
    }
    rules_.push_back(std::move(rule));
  }
}

bool EventFilter::holds(const Rule& rule, const output::Value& v) const {
  if (rule.op == Op::Match || rule.op == Op::NotMatch) {
    std::string text;
    switch (rule.compare) {
      case Compare::Unsigned:
        text = std::to_string(v.u);
        break;
      case Compare::Signed:
        text = std::to_string(v.i);
        break;
      case Compare::Float:
        text = std::to_string(v.d);
        break;
      case Compare::Text:
        text = v.s;
        break;
    }
    return std::regex_search(text, rule.re) == (rule.op == Op::Match);
  }
  const int op = static_cast<int>(rule.op);
  switch (rule.compare) {
    case Compare::Unsigned:
      return compare(v.u, rule.u, op);
    case Compare::Signed:
      return compare(v.i, rule.i, op);
    case Compare::Float:
      return compare(v.d, rule.d, op);
    case Compare::Text:
      return compare<std::string_view>(v.s, rule.text, op);
  }
  return false;
}

bool EventFilter::matches(const output::Row& row) const {
  for (const Rule& rule : rules_) {
    if (!holds(rule, row[rule.field])) return false;
  }
  return true;
}

}  // namespace ig::runner::filter
