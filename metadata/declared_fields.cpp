#include "metadata/declared_fields.hpp"

#include <map>
#include <set>

#include "metadata/btf_markers.hpp"
#include "metadata/field_schema.hpp"
#include "metadata/gadget_metadata.hpp"

namespace ig::metadata {
namespace {

// With the data source's metadata: ebpf.rest.name adds the bytes after the struct.
std::set<std::string> field_names(const struct btf* btf, const std::vector<std::string>& structs,
                                  const DataSourceMetadata& meta) {
  std::set<std::string> names;
  for (const auto& s : structs)
    for (const auto& field : event_fields(btf, s, &meta)) names.insert(field.full_name);
  return names;
}

}  // namespace

std::map<std::string, std::vector<std::string>> datasource_structs(const GadgetMarkers& markers) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& t : markers.tracers) out[t.name].push_back(t.struct_name);
  for (const auto& it : markers.iters) out[it.name].push_back(it.struct_name);
  for (const auto& mi : markers.map_iters) {
    auto& structs = out[mi.name];
    for (const auto& name : {mi.key_struct, mi.value_struct}) {
      if (!name.empty()) structs.push_back(name);
    }
  }
  return out;
}

std::vector<UnprovidedEntry> unprovided_entries(const GadgetMetadata& meta,
                                                const GadgetMarkers& markers,
                                                const struct btf* btf) {
  const auto structs = datasource_structs(markers);
  std::vector<UnprovidedEntry> out;
  for (const auto& [ds_name, ds] : meta.datasources) {
    auto it = structs.find(ds_name);
    if (it == structs.end()) {
      out.push_back({ds_name, "", ""});
      continue;
    }
    const std::set<std::string> names = field_names(btf, it->second, ds);
    const std::string looked_in = it->second.empty() ? "its map" : "struct " + it->second.front();
    for (const auto& [field, _] : ds.fields) {
      if (!names.contains(field) && !is_operator_field(field))
        out.push_back({ds_name, field, looked_in});
    }
  }
  return out;
}

}  // namespace ig::metadata
