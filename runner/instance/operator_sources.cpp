#include "runner/instance/operator_sources.hpp"

#include "runner/operators/data_operators.hpp"

namespace ig::runner {
namespace {

// -o/--fields/-F, plus --sort and --max-entries for array data source `ds`.
OutputOptions array_output_options(const RunOptions& options, const std::string& ds) {
  OutputOptions out = output_options_for(ds, options);
  const auto sort = operators::sort_by_datasource(options.sort, {ds});
  if (auto it = sort.find(ds); it != sort.end()) out.sort = it->second;
  const auto limits = operators::max_entries_by_datasource(options.max_entries, {ds});
  if (auto it = limits.find(ds); it != limits.end()) out.max_entries = it->second;
  return out;
}

}  // namespace

EventPipeline& declare_array_source(GadgetInstance& instance, const std::string& name,
                                    const fields::RecordLayout& layout,
                                    const std::map<std::string, metadata::Annotations>& defaults) {
  PreparedGadget& g = instance.gadget();
  g.operator_btfs.push_back(layout.build());
  metadata::DataSourceMetadata meta;
  if (const auto* given = datasource_metadata(g.meta, name)) meta = *given;
  for (const auto& [field, annotations] : defaults) {
    auto& target = meta.fields[field].annotations;
    for (const auto& [key, value] : annotations) target.try_emplace(key, value);
  }
  instance.datasources().push_back(std::make_unique<EventPipeline>(
      g.operator_btfs.back().get(), name, std::vector<std::string>{layout.struct_name()}, &meta,
      array_output_options(instance.options(), name), instance.sink()));
  EventPipeline& pipeline = *instance.datasources().back();
  pipeline.set_array();
  return pipeline;
}

}  // namespace ig::runner
