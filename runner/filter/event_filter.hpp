// The filter operator (spec ig-compat.md §5.3): `-F/--filter "field<op>value,..."` keeps the
// events for which every rule holds. Runs in user space after formatters and enrichment, so
// rules may name formatted and runtime.* fields.
#pragma once

#include <cstdint>
#include <regex>
#include <string>
#include <vector>

#include "runner/fields/field_table.hpp"
#include "runner/output/event_writers.hpp"

namespace ig::runner::filter {

class EventFilter {
 public:
  // `rules`: comma-separated "field<op>value" with op one of ==, = (the same), !=, <, <=, >,
  // >=, ~ (regular expression search), !~; "\," is a comma inside a value. Field names are
  // full names or aliases, case-insensitive. Throws Error(InvalidArgument) naming the rule:
  // unknown field, no operator, a value that does not fit the field, a bad expression.
  EventFilter(const fields::FieldTable& table, const std::string& rules);

  bool matches(const output::Row& row) const;
  bool empty() const { return rules_.empty(); }

 private:
  enum class Op { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual, Match, NotMatch };
  enum class Compare { Text, Unsigned, Signed, Float };
  struct Rule {
    int field;
    Op op;
    Compare compare;
    std::string text;
    uint64_t u = 0;
    int64_t i = 0;
    double d = 0;
    std::regex re;
  };
  bool holds(const Rule& rule, const output::Value& value) const;

  std::vector<Rule> rules_;
};

}  // namespace ig::runner::filter
