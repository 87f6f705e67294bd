#include "runner/instance/instance.hpp"

#include <time.h>

#include <algorithm>
#include <sstream>

#include "runner/instance/operators.hpp"
#include "runner/instance/sink.hpp"

namespace ig::runner {
namespace {

using Clock = GadgetOperator::Clock;

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// "VALUE" for every data source or "ds:VALUE" for data source `ds`; the last one that
// applies wins.
std::string per_datasource(const std::vector<std::string>& entries, const std::string& ds,
                           char separator, std::string value) {
  for (const auto& entry : entries) {
    for (const auto& item : split(entry, separator)) {
      const auto colon = item.find(':');
      if (colon == std::string::npos) {
        value = item;
      } else if (item.substr(0, colon) == ds) {
        value = item.substr(colon + 1);
      }
    }
  }
  return value;
}

}  // namespace

const metadata::DataSourceMetadata* datasource_metadata(const metadata::GadgetMetadata& meta,
                                                        const std::string& name) {
  auto it = meta.datasources.find(name);
  return it == meta.datasources.end() ? nullptr : &it->second;
}

// -o takes one mode for all data sources or "ds:mode" entries; --fields takes "a,b" or
// "ds:a,b;ds2:c" (spec §5.2).
OutputOptions output_options_for(const std::string& ds, const RunOptions& options) {
  OutputOptions out;
  out.terminal_width = options.terminal_width;
  out.filter = options.filter;
  out.mode = per_datasource(options.output, ds, ',', out.mode);
  for (const auto& entry : options.fields) {
    for (const auto& group : split(entry, ';')) {
      const auto colon = group.find(':');
      if (colon == std::string::npos) {
        for (auto& f : split(group, ',')) out.fields.push_back(f);
      } else if (group.substr(0, colon) == ds) {
        for (auto& f : split(group.substr(colon + 1), ',')) out.fields.push_back(f);
      }
    }
  }
  return out;
}

GadgetInstance::GadgetInstance(const RunOptions& options, oci::LayoutStore& store, Sink& sink)
    : options_(options), store_(store), sink_(sink), gadget_args_(options.gadget_args) {
  // The declared order: each step of the run visits the operators in it.
  operators_.push_back(operators::make_image_operator());
  operators_.push_back(operators::make_ebpf_operator());
  operators_.push_back(operators::make_process_operator());
  operators_.push_back(operators::make_bpfstats_operator());
  operators_.push_back(operators::make_cgroup_operator());
  operators_.push_back(operators::make_containers_operator());
  operators_.push_back(operators::make_network_operator());
  operators_.push_back(operators::make_stacks_operator());
  operators_.push_back(operators::make_metrics_operator());
  operators_.push_back(operators::make_output_operator());
  for (auto& op : operators_) op->instantiate(*this);
  // The eBPF operator refuses flags no param takes; without an object, nobody else would.
  if (!gadget_.spec && !gadget_args_.empty()) {
    throw Error(ErrorCode::InvalidArgument, "unknown gadget parameter \"" + gadget_args_.front() + "\"");
  }
}

// Whatever happened, no operator keeps using a released object (watcher callbacks, map fds);
// then the operators go in reverse order, the eBPF operator's object among the last.
GadgetInstance::~GadgetInstance() {
  unloaded();
  while (!operators_.empty()) operators_.pop_back();
}

void GadgetInstance::warn(const std::string& line) { sink_.warn(line); }

void GadgetInstance::configure(GadgetProgram& program) {
  for (auto& op : operators_) op->configure(*this, program);
}

void GadgetInstance::loaded(GadgetProgram& program) {
  enrichers_ = EventEnrichers{};
  for (auto& op : operators_) op->loaded(*this, program);
  for (auto& op : operators_) op->enrich(*this);
  for (auto& ds : datasources_) ds->set_enrichers(enrichers_);
}

void GadgetInstance::enrich_without_program() {
  enrichers_ = EventEnrichers{};
  for (auto& op : operators_) op->enrich(*this);
  for (auto& ds : datasources_) ds->set_enrichers(enrichers_);
}

void GadgetInstance::unloaded() {
  for (auto& ds : datasources_) ds->set_enrichers({});
  for (auto& op : operators_) op->unloaded(*this);
}

Clock::time_point GadgetInstance::tick_all() {
  Clock::time_point next = GadgetOperator::kNever;
  for (auto& op : operators_) next = std::min(next, op->tick(*this, Clock::now()));
  return next;
}

bool GadgetInstance::has_work() const {
  return std::any_of(operators_.begin(), operators_.end(),
                     [](const auto& op) { return op->has_work(); });
}

void GadgetInstance::wait(int timeout_ms) {
  for (auto& op : operators_) {
    if (op->wait(timeout_ms)) return;
  }
  if (timeout_ms <= 0) return;
  // A stop signal cuts the sleep short (EINTR).
  struct timespec pause = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
  nanosleep(&pause, nullptr);
}

void GadgetInstance::run(const std::function<bool()>& stopped) {
  for (auto& op : operators_) op->start(*this);
  const auto started = Clock::now();
  auto next = tick_all();
  while (!stopped() && has_work()) {
    long wait_ms = 100;
    if (options_.timeout_seconds > 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          started + std::chrono::seconds(options_.timeout_seconds) - Clock::now());
      if (left.count() <= 0) break;
      wait_ms = std::min<long>(wait_ms, left.count());
    }
    if (next != GadgetOperator::kNever) {
      const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now());
      wait_ms = std::clamp<long>(until.count(), 0, wait_ms);
    }
    wait(static_cast<int>(wait_ms));
    next = tick_all();
  }
  for (auto& op : operators_) op->stop(*this);
}

}  // namespace ig::runner
