#include <algorithm>
#include <cstdlib>

#include "runner/operators/data_operators.hpp"
#include "util/error.hpp"

namespace ig::runner::operators {
namespace {

// Keeps the first `max` rows of a batch: after sort, the top entries.
class Limit : public DataOperator {
 public:
  explicit Limit(size_t max) : max_(max) {}
  std::string_view name() const override { return "limiter"; }
  bool on_event(output::Row&) override { return true; }
  void on_batch(std::vector<output::Row>& rows) override {
    if (rows.size() > max_) rows.resize(max_);
  }

 private:
  size_t max_;
};

// "-1" or a count of rows.
long parse_max(const std::string& spec, const std::string& text) {
  char* end = nullptr;
  const long n = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || n < -1) {
    throw Error(ErrorCode::InvalidArgument, "--max-entries \"" + spec +
                                                "\": invalid value for max-entries \"" + text +
                                                "\" (a count, or -1 for no limit)");
  }
  return n;
}

}  // namespace

std::map<std::string, size_t> max_entries_by_datasource(const std::string& spec,
                                                        const std::vector<std::string>& arrays) {
  std::map<std::string, size_t> out;
  const bool named = spec.find(':') != std::string::npos;
  size_t at = 0;
  do {
    size_t comma = spec.find(',', at);
    if (comma == std::string::npos) comma = spec.size();
    const std::string item = spec.substr(at, comma - at);
    at = comma + 1;
    const size_t colon = item.find(':');
    if (named != (colon != std::string::npos) || (!named && comma != spec.size())) {
      throw Error(ErrorCode::InvalidArgument,
                  "--max-entries \"" + spec + "\": mixing values with and without a data source");
    }
    const std::string ds = named ? item.substr(0, colon) : "";
    if (named && std::find(arrays.begin(), arrays.end(), ds) == arrays.end()) {
      throw Error(ErrorCode::InvalidArgument, "--max-entries \"" + spec + "\": \"" + ds +
                                                  "\" is not an array data source of the gadget");
    }
    const long n = parse_max(spec, named ? item.substr(colon + 1) : item);
    if (n < 0) continue;
    if (!named) {
      for (const auto& a : arrays) out[a] = static_cast<size_t>(n);
    } else {
      out[ds] = static_cast<size_t>(n);
    }
  } while (at <= spec.size());
  return out;
}

std::unique_ptr<DataOperator> make_limit(size_t max_entries) {
  return std::make_unique<Limit>(max_entries);
}

}  // namespace ig::runner::operators
