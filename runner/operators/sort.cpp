#include <algorithm>

#include "runner/operators/data_operators.hpp"
#include "util/error.hpp"

namespace ig::runner::operators {
namespace {

using metadata::FieldKind;

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.find(separator, at);
    if (end == std::string::npos) end = text.size();
    if (end > at) parts.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return parts;
}

struct SortKey {
  int field;
  FieldKind kind;
  bool descending;
};

// Negative, zero or positive as `a` sorts before, with or after `b` by one field.
int compare(const SortKey& key, const output::Value& a, const output::Value& b) {
  switch (key.kind) {
    case FieldKind::Int:
      return a.i < b.i ? -1 : a.i > b.i;
    case FieldKind::Uint:
    case FieldKind::Enum:
      return a.u < b.u ? -1 : a.u > b.u;
    case FieldKind::Float:
      return a.d < b.d ? -1 : a.d > b.d;
    default:
      return a.s.compare(b.s);
  }
}

// Orders an array data source's batch by its keys, the first key first; rows that compare
// equal keep the order the gadget produced them in.
class Sort : public DataOperator {
 public:
  explicit Sort(std::vector<SortKey> keys) : keys_(std::move(keys)) {}
  std::string_view name() const override { return "sort"; }
  bool on_event(output::Row&) override { return true; }

  void on_batch(std::vector<output::Row>& rows) override {
    std::stable_sort(rows.begin(), rows.end(), [this](const output::Row& a, const output::Row& b) {
      for (const auto& key : keys_) {
        const int c = compare(key, a[key.field], b[key.field]);
        if (c != 0) return key.descending ? c > 0 : c < 0;
      }
      return false;
    });
  }

 private:
  std::vector<SortKey> keys_;
};

}  // namespace

std::map<std::string, std::string> sort_by_datasource(const std::string& spec,
                                                      const std::vector<std::string>& arrays) {
  std::map<std::string, std::string> out;
  const std::vector<std::string> groups = split(spec, ';');
  const bool named = spec.find(':') != std::string::npos;
  for (const auto& group : groups) {
    const size_t colon = group.find(':');
    if (named != (colon != std::string::npos) || (!named && groups.size() > 1)) {
      throw Error(ErrorCode::InvalidArgument,
                  "--sort \"" + spec +
                      "\": mixing sorting rules with and without specifying data source");
    }
    if (!named) {
      for (const auto& ds : arrays) out[ds] = group;
      continue;
    }
    const std::string ds = group.substr(0, colon);
    if (std::find(arrays.begin(), arrays.end(), ds) == arrays.end()) {
      throw Error(ErrorCode::InvalidArgument, "--sort \"" + spec + "\": \"" + ds +
                                                  "\" is not an array data source of the gadget");
    }
    out[ds] = group.substr(colon + 1);
  }
  return out;
}

std::unique_ptr<DataOperator> make_sort(const fields::FieldTable& table,
                                        const std::string& fields) {
  std::vector<SortKey> keys;
  for (std::string name : split(fields, ',')) {
    const bool descending = name[0] == '-';
    if (descending) name.erase(0, 1);
    const int index = table.find(name);
    if (index < 0) throw Error(ErrorCode::InvalidArgument, "--sort: field \"" + name + "\" not found");
    const FieldKind kind = table.fields()[index].schema.kind;
    if (kind == FieldKind::Struct || kind == FieldKind::Bytes || kind == FieldKind::Bool) {
      throw Error(ErrorCode::InvalidArgument,
                  "--sort: field \"" + name + "\" cannot be used for sorting");
    }
    keys.push_back({index, kind, descending});
  }
  if (keys.empty()) return nullptr;
  return std::make_unique<Sort>(std::move(keys));
}

}  // namespace ig::runner::operators
