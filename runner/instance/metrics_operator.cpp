#include <map>

#include "runner/instance/instance.hpp"
#include "runner/instance/operators.hpp"
#include "runner/metrics/http_server.hpp"
#include "runner/metrics/registry.hpp"

namespace ig::runner {
namespace {

// "name" for every data source or "ds:name" entries (--otel-metrics-name).
std::map<std::string, std::string> scope_names(const std::vector<std::string>& entries,
                                               const std::vector<std::unique_ptr<EventPipeline>>& datasources) {
  std::map<std::string, std::string> names;
  for (const auto& entry : entries) {
    const auto colon = entry.find(':');
    if (colon != std::string::npos) {
      names[entry.substr(0, colon)] = entry.substr(colon + 1);
      continue;
    }
    for (const auto& ds : datasources) names[ds->name()] = entry;
  }
  return names;
}

// Upstream's otel-metrics operator: with --otel-metrics-listen, the data sources annotated
// metrics.collect=true that --otel-metrics-name names are recorded and served as Prometheus
// text on --otel-metrics-listen-address while the gadget runs. (Upstream requires the name so
// that nothing is exported by accident; without it the metrics would go nowhere.)
class MetricsOperator : public GadgetOperator {
 public:
  std::string_view name() const override { return "otel-metrics"; }

  void instantiate(GadgetInstance& instance) override {
    const RunOptions& options = instance.options();
    const auto names = scope_names(options.otel_metrics_name, instance.datasources());
    if (!options.otel_metrics_listen) {
      if (!names.empty()) instance.warn("--otel-metrics-name has no effect without --otel-metrics-listen");
      return;
    }
    registry_ = std::make_shared<metrics::Registry>();
    bool collecting = false;
    for (auto& ds : instance.datasources()) {
      if (!ds->annotated("metrics.collect", "true")) continue;
      const auto it = names.find(ds->name());
      if (it == names.end()) {
        instance.warn("data source " + ds->name() + " has metrics.collect=true but no --otel-metrics-name " +
                      ds->name() + ":NAME: its metrics are not exported");
        continue;
      }
      if (ds->collect_metrics(*registry_, it->second)) {
        collecting = true;
      } else {
        instance.warn("data source " + ds->name() + " has metrics.collect=true but no field is a metric "
                      "(metrics.type, or metrics.implicit-counter.name on the data source)");
      }
    }
    if (!collecting) instance.warn("--otel-metrics-listen: no data source collects metrics");
    server_ = std::make_unique<metrics::MetricsServer>(options.otel_metrics_listen_address, registry_);
  }

 private:
  std::shared_ptr<metrics::Registry> registry_;
  std::unique_ptr<metrics::MetricsServer> server_;
};

}  // namespace

namespace operators {
std::unique_ptr<GadgetOperator> make_metrics_operator() {
  return std::make_unique<MetricsOperator>();
}
}  // namespace operators

}  // namespace ig::runner
