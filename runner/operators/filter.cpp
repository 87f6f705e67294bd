#include "runner/filter/event_filter.hpp"
#include "runner/operators/data_operators.hpp"

namespace ig::runner::operators {
namespace {

class Filter : public DataOperator {
 public:
  Filter(const fields::FieldTable& table, const std::string& rules) : filter_(table, rules) {}
  std::string_view name() const override { return "filter"; }
  bool on_event(output::Row& row) override { return filter_.matches(row); }

 private:
  filter::EventFilter filter_;
};

}  // namespace

std::unique_ptr<DataOperator> make_filter(const fields::FieldTable& table,
                                          const std::string& rules) {
  if (rules.empty()) return nullptr;
  return std::make_unique<Filter>(table, rules);
}

}  // namespace ig::runner::operators
