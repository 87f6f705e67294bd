#include "daemon/remote_sink.hpp"

#include "daemon/protocol.hpp"
#include "daemon/wire.hpp"
#include "runner/instance/instance.hpp"

namespace ig::daemon {
namespace {

// Upstream's type hints (api.TypeBool, ...), which its clients turn into flag types.
std::string type_hint(const runner::GadgetParam& param) {
  switch (param.type) {
    case runner::ParamType::Bool:
      return "bool";
    case runner::ParamType::Int:
      return "int" + std::to_string(param.size * 8);
    case runner::ParamType::Uint:
      return "uint" + std::to_string(param.size * 8);
    case runner::ParamType::Float:
      return param.size == 4 ? "float32" : "float64";
    case runner::ParamType::String:
      return "string";
  }
  return "string";
}

}  // namespace

api::GadgetInfo RemoteSink::describe(runner::GadgetInstance& instance) {
  api::GadgetInfo info;
  const runner::PreparedGadget& gadget = instance.gadget();
  info.set_name(gadget.meta.name);
  info.set_imagename(instance.options().image);
  info.set_metadata(gadget.image.metadata_yaml);
  for (const auto& [key, value] : gadget.meta.annotations) (*info.mutable_annotations())[key] = value;
  for (const auto& param : gadget.params) {
    api::Param* p = info.add_params();
    p->set_key(param.key);
    p->set_description(param.description);
    p->set_defaultvalue(param.default_value);
    p->set_typehint(type_hint(param));
    p->set_prefix("operator.oci.ebpf.");
  }
  uint32_t id = 0;
  for (const auto& ds : instance.datasources()) {
    api::DataSource* d = info.add_datasources();
    d->set_id(id);
    d->set_name(ds->name());
    d->set_type(ds->is_array() ? wire::kTypeArray : wire::kTypeSingle);
    for (const auto& [key, value] : ds->annotations()) (*d->mutable_annotations())[key] = value;
    wire::describe(ds->table(), *d);
    sources_[ds->name()] = {id++, &ds->table(), ds->is_array()};
  }
  return info;
}

api::GadgetEvent RemoteSink::info_event(runner::GadgetInstance& instance) {
  api::GadgetEvent event;
  event.set_type(kEventGadgetInfo);
  event.set_payload(describe(instance).SerializeAsString());
  return event;
}

void RemoteSink::warn(std::string_view line) {
  send_(log_event(kLogWarning, std::string(line)), false);
}

void RemoteSink::rows(std::string_view datasource, std::span<const runner::output::Row> rows) {
  const auto it = sources_.find(datasource);
  if (it == sources_.end()) return;  // not described: the run has not started
  const Source& source = it->second;
  const auto send = [&](const google::protobuf::MessageLite& data, uint32_t seq) {
    api::GadgetEvent event;
    event.set_type(kEventPayload);
    event.set_seq(seq);
    event.set_datasourceid(source.id);
    event.set_payload(data.SerializeAsString());
    send_(std::move(event), true);
  };
  if (source.array) {
    api::GadgetDataArray data;
    data.set_node(node_);
    data.set_seq(++seq_);
    for (const auto& row : rows) wire::encode(*source.table, row, *data.add_dataarray());
    send(data, data.seq());
    return;
  }
  for (const auto& row : rows) {
    api::GadgetData data;
    data.set_node(node_);
    data.set_seq(++seq_);
    wire::encode(*source.table, row, *data.mutable_data());
    send(data, data.seq());
  }
}

}  // namespace ig::daemon
