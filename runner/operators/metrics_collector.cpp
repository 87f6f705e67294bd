// Upstream's otel-metrics collection for one data source (`metrics.collect: true`): fields
// annotated metrics.type key|counter|gauge|histogram (or typed gadget_counter__*,
// gadget_gauge__*, gadget_histogram_slot__* in BTF) become labels and instruments of the
// scope --otel-metrics-name gives it, plus the implicit counter the data source may name.
#include <bpf/btf.h>

#include <cmath>
#include <cstring>

#include "runner/metrics/registry.hpp"
#include "runner/operators/data_operators.hpp"
#include "runner/output/histogram.hpp"
#include "util/error.hpp"

namespace ig::runner::operators {
namespace {

using metadata::FieldKind;

std::string annotation(const metadata::Annotations& annotations, const char* key) {
  const auto it = annotations.find(key);
  return it == annotations.end() ? std::string() : it->second;
}

// metrics.type, else what the field's gadget_* type implies.
std::string metric_type(const fields::Field& field, size_t slot_size) {
  std::string type = annotation(field.annotations, "metrics.type");
  if (!type.empty()) return type;
  if (slot_size != 0) return "histogram";
  const std::string& t = field.schema.type_name;
  if (t.starts_with("gadget_counter__")) return "counter";
  if (t.starts_with("gadget_gauge__")) return "gauge";
  return "";
}

bool numeric(FieldKind kind) {
  return kind == FieldKind::Int || kind == FieldKind::Uint || kind == FieldKind::Float ||
         kind == FieldKind::Enum || kind == FieldKind::Bool;
}

double number(const fields::Field& field, const output::Value& v) {
  switch (field.schema.kind) {
    case FieldKind::Int: return static_cast<double>(v.i);
    case FieldKind::Float: return v.d;
    default: return static_cast<double>(v.u);
  }
}

std::string label_value(const fields::Field& field, const output::Value& v) {
  switch (field.schema.kind) {
    case FieldKind::Int: return std::to_string(v.i);
    case FieldKind::Uint:
    case FieldKind::Enum: return std::to_string(v.u);
    case FieldKind::Bool: return v.u != 0 ? "true" : "false";
    case FieldKind::Float: return metrics::format_value(v.d);
    default: return v.s;
  }
}

// OpenTelemetry's default explicit bucket boundaries.
std::vector<double> histogram_bounds(const fields::Field& field) {
  const std::string text = annotation(field.annotations, "metrics.boundaries");
  if (text.empty()) return {0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000};
  std::vector<double> bounds;
  for (size_t start = 0, end; start <= text.size(); start = end + 1) {
    end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    char* rest = nullptr;
    const double value = std::strtod(item.c_str(), &rest);
    if (item.empty() || *rest != '\0' || (!bounds.empty() && value <= bounds.back())) {
      throw Error(ErrorCode::InvalidArgument, "field " + field.schema.full_name + ": metrics.boundaries \"" + text +
                                                  "\" must be ascending numbers separated by ','");
    }
    bounds.push_back(value);
  }
  return bounds;
}

class MetricsCollector : public DataOperator {
 public:
  MetricsCollector(const struct btf* btf, const fields::FieldTable& table, const metadata::Annotations& ds,
                   const std::string& scope, metrics::Registry& registry)
      : table_(table), registry_(registry) {
    scope_labels_ = {{"otel_scope_name", scope}, {"otel_scope_version", ""}};
    if (std::string counter = annotation(ds, "metrics.implicit-counter.name"); !counter.empty()) {
      implicit_counter_ = registry.declare(metrics::Kind::Counter, counter,
                                           annotation(ds, "metrics.implicit-counter.description"), "");
    }
    const auto& fields = table.fields();
    for (size_t i = 0; i < fields.size(); ++i) add_field(btf, static_cast<int>(i));
    const int scope_info = registry.declare(metrics::Kind::Gauge, "otel_scope_info", "Instrumentation Scope metadata", "");
    registry.set(scope_info, scope_labels_, 1);
  }

  bool has_values() const { return implicit_counter_ >= 0 || !instruments_.empty(); }
  std::string_view name() const override { return "otel-metrics"; }

  bool on_event(output::Row& row) override {
    metrics::Labels labels = scope_labels_;
    for (const auto& [field, name] : keys_) labels[name] = label_value(table_.fields()[field], row[field]);
    if (implicit_counter_ >= 0) registry_.add(implicit_counter_, labels, 1);
    for (const auto& instrument : instruments_) record(instrument, row, labels);
    return true;
  }

 private:
  struct Instrument {
    metrics::Kind kind;
    int family;
    int field;
    size_t slot_size;  // log2 histogram slots: 4 or 8 bytes each; 0 for a scalar
  };

  void add_field(const struct btf* btf, int index) {
    const fields::Field& field = table_.fields()[index];
    if (field.schema.kind == FieldKind::Struct) return;
    const size_t slots = field.schema.kind == FieldKind::Bytes ? output::histogram_slot_size(btf, field.schema.btf_type_id) : 0;
    const std::string type = metric_type(field, slots);
    if (type.empty()) return;
    std::string name = annotation(field.annotations, "metrics.name");
    if (name.empty()) name = field.schema.full_name;
    const auto refuse = [&](const std::string& why) {
      return Error(ErrorCode::InvalidArgument, "field " + field.schema.full_name + ": metrics.type " + type + " " + why);
    };
    if (type == "key") {
      if (field.schema.kind == FieldKind::Bytes) throw refuse("needs a number or a string, not bytes");
      keys_.emplace_back(index, metrics::sanitize_name(name));
      return;
    }
    const std::string help = annotation(field.annotations, "metrics.description");
    const std::string unit = annotation(field.annotations, "metrics.unit");
    if (type == "counter" || type == "gauge") {
      if (!numeric(field.schema.kind)) throw refuse("needs a number field");
      const auto kind = type == "counter" ? metrics::Kind::Counter : metrics::Kind::Gauge;
      instruments_.push_back({kind, registry_.declare(kind, name, help, unit), index, 0});
      return;
    }
    if (type != "histogram") throw refuse("is not one of key, counter, gauge, histogram");
    std::vector<double> bounds;
    if (slots != 0) {
      for (size_t i = 0; i < field.schema.size / slots; ++i) bounds.push_back(std::ldexp(1.0, static_cast<int>(i)));
    } else if (numeric(field.schema.kind)) {
      bounds = histogram_bounds(field);
    } else {
      throw refuse("needs a number or an array of gadget_histogram_slot__u32/__u64");
    }
    instruments_.push_back({metrics::Kind::Histogram,
                            registry_.declare(metrics::Kind::Histogram, name, help, unit, std::move(bounds)), index, slots});
  }

  void record(const Instrument& instrument, const output::Row& row, const metrics::Labels& labels) {
    const fields::Field& field = table_.fields()[instrument.field];
    const output::Value& value = row[instrument.field];
    if (instrument.kind == metrics::Kind::Counter) return registry_.add(instrument.family, labels, number(field, value));
    if (instrument.kind == metrics::Kind::Gauge) return registry_.set(instrument.family, labels, number(field, value));
    if (instrument.slot_size == 0) return registry_.observe(instrument.family, labels, number(field, value));
    // Slot i counts values of 2^i, as upstream records them.
    const std::string& bytes = value.s;
    std::vector<uint64_t> counts(field.schema.size / instrument.slot_size + 1, 0);
    double sum = 0;
    for (size_t i = 0; i + 1 < counts.size() && (i + 1) * instrument.slot_size <= bytes.size(); ++i) {
      uint64_t count = 0;
      // Host byte order as the kernel wrote it; a 4-byte slot leaves the upper half 0.
      std::memcpy(&count, bytes.data() + i * instrument.slot_size, instrument.slot_size);
      counts[i] = count;
      sum += static_cast<double>(count) * std::ldexp(1.0, static_cast<int>(i));
    }
    registry_.observe_counts(instrument.family, labels, counts, sum);
  }

  const fields::FieldTable& table_;
  metrics::Registry& registry_;
  metrics::Labels scope_labels_;
  std::vector<std::pair<int, std::string>> keys_;  // field, label name
  std::vector<Instrument> instruments_;
  int implicit_counter_ = -1;
};

}  // namespace

std::unique_ptr<DataOperator> make_metrics_collector(const struct btf* btf, const fields::FieldTable& table,
                                                     const metadata::Annotations& datasource,
                                                     const std::string& scope, metrics::Registry& registry) {
  auto collector = std::make_unique<MetricsCollector>(btf, table, datasource, scope, registry);
  if (!collector->has_values()) return nullptr;
  return collector;
}

}  // namespace ig::runner::operators
