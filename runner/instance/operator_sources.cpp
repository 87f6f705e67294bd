#include "runner/instance/operator_sources.hpp"

#include "runner/operators/data_operators.hpp"
#include "runner/params.hpp"
#include "util/error.hpp"

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

std::chrono::nanoseconds duration_setting(const std::map<std::string, std::string>& settings, const std::string& op,
                                          const std::string& key, std::chrono::nanoseconds fallback) {
  const auto it = settings.find(key);
  if (it == settings.end() || it->second.empty()) return fallback;
  const auto parsed = parse_go_duration(it->second);
  if (!parsed) {
    throw Error(ErrorCode::InvalidArgument, "operator." + op + "." + key + ": invalid duration \"" + it->second + "\"");
  }
  return *parsed;
}

}  // namespace

ReportSchedule::ReportSchedule(const std::map<std::string, std::string>& settings, const std::string& op,
                               std::chrono::nanoseconds fallback) {
  interval_ = duration_setting(settings, op, "interval", fallback);
  if (interval_.count() <= 0) interval_ = fallback;
  first_interval_ = duration_setting(settings, op, "first-interval", {});
  if (auto it = settings.find("count"); it != settings.end() && !it->second.empty()) {
    char* end = nullptr;
    const long count = std::strtol(it->second.c_str(), &end, 10);
    if (*end != '\0' || count < 0 || count > INT32_MAX) {
      throw Error(ErrorCode::InvalidArgument, "--count: invalid count \"" + it->second + "\"");
    }
    count_ = static_cast<int>(count);
  }
}

void ReportSchedule::start(Clock::time_point now) {
  first_pending_ = first_interval_.count() > 0;
  next_ = now + (first_pending_ ? first_interval_ : interval_);
}

bool ReportSchedule::take(Clock::time_point now) {
  if (finished() || now < next_) return false;
  if (first_pending_) {
    first_pending_ = false;
  } else {
    ++reported_;
  }
  next_ = now + interval_;
  return true;
}

void ReportingOperator::start(GadgetInstance& instance) {
  if (!pipeline_) return;
  instance.enrich_without_program();
  baseline();
  schedule_->start(Clock::now());
}

GadgetOperator::Clock::time_point ReportingOperator::tick(GadgetInstance&, Clock::time_point now) {
  if (!pipeline_) return kNever;
  if (schedule_->take(now)) report();
  return schedule_->next();
}

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
