#include "runner/enrich/container.hpp"
#include "runner/operators/data_operators.hpp"

namespace ig::runner::operators {
namespace {

using metadata::FieldKind;

class ContainerEnricher : public DataOperator {
 public:
  ContainerEnricher(const fields::FieldTable& table, int mntns, const EventEnrichers& enrichers)
      : enrichers_(enrichers),
        mntns_(mntns),
        name_(table.find("runtime.containerName")),
        id_(table.find("runtime.containerId")),
        image_(table.find("runtime.containerImageName")),
        digest_(table.find("runtime.containerImageDigest")),
        pid_(table.find("runtime.containerPid")),
        runtime_(table.find("runtime.runtimeName")) {}

  std::string_view name() const override { return "container-enricher"; }

  bool on_event(output::Row& row) override {
    std::shared_ptr<const enrich::Container> found;
    if (enrichers_.container) found = enrichers_.container(row[mntns_].u);
    const enrich::Container* c = found.get();
    if (enrichers_.keep && !enrichers_.keep(c)) return false;
    if (name_ < 0) return true;
    row[name_].s = c ? c->name : std::string();
    row[id_].s = c ? c->id : std::string();
    row[image_].s = c ? c->image : std::string();
    row[digest_].s = c ? c->image_digest : std::string();
    row[pid_].u = c ? c->pid : 0;
    row[runtime_].s = c ? c->runtime : std::string();
    return true;
  }

 private:
  const EventEnrichers& enrichers_;
  int mntns_;
  int name_, id_, image_, digest_, pid_, runtime_;
};

}  // namespace

std::unique_ptr<DataOperator> make_container_enricher(const fields::FieldTable& table,
                                                      const EventEnrichers& enrichers) {
  const auto& fields = table.fields();
  for (size_t i = 0; i < fields.size(); ++i) {
    const auto& f = fields[i];
    if (!f.operator_field && f.schema.type_name == "gadget_mntns_id" &&
        f.schema.kind != FieldKind::Struct) {
      return std::make_unique<ContainerEnricher>(table, static_cast<int>(i), enrichers);
    }
  }
  return nullptr;
}

}  // namespace ig::runner::operators
