#include "runner/enrich/container.hpp"
#include "runner/operators/data_operators.hpp"

namespace ig::runner::operators {
namespace {

using metadata::FieldKind;

class ContainerEnricher : public DataOperator {
 public:
  ContainerEnricher(const fields::FieldTable& table, int mntns, int netns,
                    const EventEnrichers& enrichers)
      : enrichers_(enrichers),
        mntns_(mntns),
        netns_(netns),
        name_(table.find("runtime.containerName")),
        id_(table.find("runtime.containerId")),
        image_(table.find("runtime.containerImageName")),
        digest_(table.find("runtime.containerImageDigest")),
        pid_(table.find("runtime.containerPid")),
        runtime_(table.find("runtime.runtimeName")),
        node_(table.find("k8s.node")),
        namespace_(table.find("k8s.namespace")),
        pod_(table.find("k8s.podName")),
        k8s_container_(table.find("k8s.containerName")),
        pod_labels_(table.find("k8s.podLabels")),
        hostnetwork_(table.find("k8s.hostnetwork")) {}

  std::string_view name() const override { return "container-enricher"; }

  bool on_event(output::Row& row) override {
    std::shared_ptr<const enrich::Container> found;
    if (enrichers_.container && mntns_ >= 0) found = enrichers_.container(row[mntns_].u);
    // A packet whose socket has no known owner: its network namespace may name a container.
    if (!found && enrichers_.container_by_netns && netns_ >= 0) {
      found = enrichers_.container_by_netns(row[netns_].u);
    }
    const enrich::Container* c = found.get();
    if (enrichers_.keep && !enrichers_.keep(c)) return false;
    if (name_ < 0) return true;
    row[name_].s = c ? c->name : std::string();
    row[id_].s = c ? c->id : std::string();
    row[image_].s = c ? c->image : std::string();
    row[digest_].s = c ? c->image_digest : std::string();
    row[pid_].u = c ? c->pid : 0;
    row[runtime_].s = c ? c->runtime : std::string();
    row[node_].s = enrichers_.node;
    row[namespace_].s = c ? c->k8s.namespace_name : std::string();
    row[pod_].s = c ? c->k8s.pod_name : std::string();
    row[k8s_container_].s = c ? c->k8s.container_name : std::string();
    row[pod_labels_].s = c ? c->k8s.pod_labels_text : std::string();
    row[hostnetwork_].u = c && c->netns != 0 && c->netns == enrichers_.host_netns;
    return true;
  }

 private:
  const EventEnrichers& enrichers_;
  int mntns_, netns_;  // field indexes, -1 when the event has none
  int name_, id_, image_, digest_, pid_, runtime_;
  int node_, namespace_, pod_, k8s_container_, pod_labels_, hostnetwork_;
};

}  // namespace

std::unique_ptr<DataOperator> make_container_enricher(const fields::FieldTable& table,
                                                      const EventEnrichers& enrichers) {
  const auto& fields = table.fields();
  const auto first = [&](const char* type_name) {
    for (size_t i = 0; i < fields.size(); ++i) {
      const auto& f = fields[i];
      if (!f.operator_field && f.schema.type_name == type_name &&
          f.schema.kind != FieldKind::Struct) {
        return static_cast<int>(i);
      }
    }
    return -1;
  };
  const int mntns = first("gadget_mntns_id");
  const int netns = first("gadget_netns_id");
  if (mntns < 0 && netns < 0) return nullptr;
  return std::make_unique<ContainerEnricher>(table, mntns, netns, enrichers);
}

}  // namespace ig::runner::operators
