#include <bpf/libbpf.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>

#include "runner/event_source.hpp"
#include "runner/instance/instance.hpp"
#include "runner/instance/operators.hpp"
#include "runner/operators/data_operators.hpp"
#include "util/error.hpp"

namespace ig::runner {
namespace {

using Clock = GadgetOperator::Clock;

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

// When an array data source (an iterator's or a map iterator's) is fetched, as upstream: once
// right away with no interval and a count of 1, else every interval (none: never) until
// `count` fetches (0: until the run ends), and once more at the end if asked.
struct ArrayFetch {
  std::chrono::nanoseconds interval{};
  int count = 1;
  int done = 0;
  bool on_stop = false;  // ebpf.iter.fetch-on-stop, ebpf.map.flush-on-stop
  Clock::time_point next{};

  bool once() const { return interval.count() == 0 && count == 1; }
  bool pending() const { return interval.count() > 0 && (count == 0 || done < count); }
};

std::chrono::nanoseconds parse_interval(const std::string& what, const std::string& text) {
  auto d = parse_go_duration(text);
  if (!d) throw Error(ErrorCode::InvalidArgument, what + ": invalid duration \"" + text + "\"");
  return *d;
}

int parse_count(const std::string& what, const std::string& text) {
  char* end = nullptr;
  const long n = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || n < 0 || n > INT32_MAX) {
    throw Error(ErrorCode::InvalidArgument, what + ": invalid count \"" + text + "\"");
  }
  return static_cast<int>(n);
}

bool annotated_true(const metadata::GadgetMetadata& meta, const std::string& ds,
                    const std::string& key) {
  const auto* m = datasource_metadata(meta, ds);
  if (!m) return false;
  auto it = m->annotations.find(key);
  return it != m->annotations.end() && it->second == "true";
}

// Iterators: the data source's fetch-interval (default 0) and fetch-count (default 1)
// annotations.
std::vector<ArrayFetch> iterator_schedule(const std::vector<metadata::IterMarker>& iters,
                                          const metadata::GadgetMetadata& meta) {
  std::vector<ArrayFetch> out(iters.size());
  for (size_t i = 0; i < iters.size(); ++i) {
    const std::string& ds = iters[i].name;
    if (const auto* m = datasource_metadata(meta, ds)) {
      if (auto it = m->annotations.find("fetch-interval"); it != m->annotations.end()) {
        out[i].interval = parse_interval(ds + ": fetch-interval", it->second);
      }
      if (auto it = m->annotations.find("fetch-count"); it != m->annotations.end()) {
        out[i].count = parse_count(ds + ": fetch-count", it->second);
      }
    }
    out[i].on_stop = annotated_true(meta, ds, "ebpf.iter.fetch-on-stop");
  }
  return out;
}

// Applies "VALUE" to every map iterator or "ds:VALUE,..." to the named ones.
void per_map_iterator(const std::vector<metadata::MapIterMarker>& iters,
                      std::vector<ArrayFetch>& out, const std::string& flag,
                      const std::string& text,
                      const std::function<void(ArrayFetch&, const std::string&)>& set) {
  for (const auto& item : split(text, ',')) {
    const auto colon = item.find(':');
    bool found = colon == std::string::npos;
    for (size_t i = 0; i < iters.size(); ++i) {
      if (colon == std::string::npos) {
        set(out[i], item);
      } else if (iters[i].name == item.substr(0, colon)) {
        set(out[i], item.substr(colon + 1));
        found = true;
      }
    }
    if (!found) {
      throw Error(ErrorCode::InvalidArgument,
                  "--" + flag + ": no map iterator \"" + item.substr(0, colon) + "\"");
    }
  }
}

// Map iterators: --map-fetch-interval (default 1000ms) and --map-fetch-count (default 0);
// taken out of `args` when the gadget has map iterators (they are not flags otherwise, as
// upstream).
std::vector<ArrayFetch> map_iterator_schedule(const std::vector<metadata::MapIterMarker>& iters,
                                              const metadata::GadgetMetadata& meta,
                                              std::vector<std::string>& args) {
  std::vector<ArrayFetch> out(iters.size());
  if (iters.empty()) return out;
  per_map_iterator(iters, out, "map-fetch-interval",
                   take_flag(args, "map-fetch-interval").value_or("1000ms"),
                   [](ArrayFetch& f, const std::string& v) {
                     f.interval = parse_interval("--map-fetch-interval", v);
                   });
  per_map_iterator(
      iters, out, "map-fetch-count", take_flag(args, "map-fetch-count").value_or("0"),
      [](ArrayFetch& f, const std::string& v) { f.count = parse_count("--map-fetch-count", v); });
  for (size_t i = 0; i < iters.size(); ++i) {
    if (out[i].interval.count() == 0 && out[i].count > 1) {
      throw Error(ErrorCode::InvalidArgument,
                  "map iterator " + iters[i].name + ": a fetch count above 1 needs an interval");
    }
    out[i].on_stop = annotated_true(meta, iters[i].name, "ebpf.map.flush-on-stop");
  }
  return out;
}

// "cannot attach X: kprobe/X: why; fentry/X: why" for a hook whose every variant failed.
std::string hook_failure_message(const std::string& hook, const ProgramFailure& failure,
                                 const std::map<std::string, std::string>& preferred_failures) {
  std::string message =
      "cannot attach " + hook + ": " + failure.section + ": " + describe_failure(failure);
  if (auto it = preferred_failures.find(hook); it != preferred_failures.end()) {
    message += "; " + it->second;
  }
  return message;
}

class EbpfOperator : public GadgetOperator {
 public:
  std::string_view name() const override { return "ebpf"; }
  void instantiate(GadgetInstance& instance) override;
  void start(GadgetInstance& instance) override;
  Clock::time_point tick(GadgetInstance& instance, Clock::time_point now) override;
  bool has_work() const override;
  bool wait(int timeout_ms) override;
  void stop(GadgetInstance& instance) override;
  void unloaded(GadgetInstance&) override { source_.reset(); }

 private:
  void add_datasources(GadgetInstance& instance);
  bool try_load(GadgetInstance& instance);
  void handle_failure(const GadgetProgram& attempt, const ProgramFailure& failure);
  std::unique_ptr<EventSource> make_source(GadgetInstance& instance, GadgetProgram& attempt);
  std::string read_iterator(GadgetInstance& instance, size_t i, size_t record_size);
  void fetch(GadgetInstance& instance, size_t i);

  void attach_late_roots(GadgetInstance& instance);

  bool active_ = false;  // the image has an eBPF object
  ObjectConfig config_;
  // Root file systems of containers selected after the programs were attached, from the
  // container watcher's thread; their library uprobes attach at the next tick.
  std::mutex late_roots_mutex_;
  std::vector<std::string> late_roots_;
  std::vector<ArrayFetch> fetches_;  // iterators', then map iterators'
  size_t first_array_ = 0;           // data sources: tracers' first, then the arrays
  std::map<std::string, std::string> preferred_failures_;  // hook -> "fentry/X: why"
  std::unique_ptr<GadgetProgram> program_;
  std::unique_ptr<EventSource> source_;
  Clock::time_point next_loss_check_{};
};

void EbpfOperator::instantiate(GadgetInstance& instance) {
  PreparedGadget& g = instance.gadget();
  active_ = g.spec != nullptr;
  if (!active_) return;  // an operator-only image: other operators fill its data sources
  // Iterators' data sources, then map iterators': the same order as their data sources.
  fetches_ = iterator_schedule(g.markers.iters, g.meta);
  for (auto& f : map_iterator_schedule(g.markers.map_iters, g.meta, instance.gadget_args())) {
    fetches_.push_back(f);
  }
  if (g.markers.tracers.empty() && g.markers.iters.empty() && g.markers.map_iters.empty()) {
    throw Error(ErrorCode::Unsupported, "image \"" + g.image.reference.str() +
                                            "\" has no GADGET_TRACER, GADGET_ITER or "
                                            "GADGET_MAPITER data source");
  }
  add_datasources(instance);
  config_.params = g.params;
  config_.perf_samplers = perf_samplers(g.image.metadata_yaml);
  config_.tracer_maps = g.markers.tracer_maps;
  config_.use_ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) == 1;
}

// Tracers' data sources stream; iterators' and map iterators' come in batches (arrays), and
// --sort / --max-entries apply to those.
void EbpfOperator::add_datasources(GadgetInstance& instance) {
  PreparedGadget& g = instance.gadget();
  const struct btf* btf = bpf_object__btf(g.spec.get());
  auto& out = instance.datasources();
  const auto add = [&](const std::string& name, const std::vector<std::string>& structs,
                       const OutputOptions& options) {
    out.push_back(std::make_unique<EventPipeline>(
        btf, name, structs, datasource_metadata(g.meta, name), options, instance.sink()));
  };
  for (const auto& tracer : g.markers.tracers) {
    add(tracer.name, {tracer.struct_name}, output_options_for(tracer.name, instance.options()));
  }
  first_array_ = out.size();
  std::vector<std::string> arrays;
  for (const auto& iter : g.markers.iters) arrays.push_back(iter.name);
  for (const auto& iter : g.markers.map_iters) {
    // Each record is the map's key and value back to back.
    if (iter.key_struct.empty() || iter.value_struct.empty()) {
      throw Error(ErrorCode::InvalidArgument, "map iterator " + iter.name +
                                                  ": the key and value of map " + iter.map_name +
                                                  " must be structs");
    }
    arrays.push_back(iter.name);
  }
  const RunOptions& options = instance.options();
  const auto sort = operators::sort_by_datasource(options.sort, arrays);
  const auto limits = operators::max_entries_by_datasource(options.max_entries, arrays);
  for (size_t i = 0; i < arrays.size(); ++i) {
    OutputOptions o = output_options_for(arrays[i], options);
    if (auto it = sort.find(arrays[i]); it != sort.end()) o.sort = it->second;
    if (auto it = limits.find(arrays[i]); it != limits.end()) o.max_entries = it->second;
    if (i < g.markers.iters.size()) {
      add(arrays[i], {g.markers.iters[i].struct_name}, o);
    } else {
      const auto& iter = g.markers.map_iters[i - g.markers.iters.size()];
      add(arrays[i], {iter.key_struct, iter.value_struct}, o);
    }
    out.back()->set_array();
  }
  if (arrays.empty() && !options.sort.empty()) {
    instance.warn("--sort has no effect: the gadget has no array data source");
  }
}

// On failure of a preferred fentry/fexit program the next attempt uses the kprobe variant of
// that hook; a failing kprobe variant names both reasons. Throws for every other failure.
void EbpfOperator::handle_failure(const GadgetProgram& attempt, const ProgramFailure& failure) {
  for (const auto& group : attempt.groups()) {
    if (failure.program == group.preferred && !config_.fallback_hooks.contains(group.hook)) {
      preferred_failures_[group.hook] = failure.section + ": " + describe_failure(failure);
      config_.fallback_hooks.insert(group.hook);
      return;
    }
    if (failure.program == group.fallback) {
      throw Error(ErrorCode::Kernel,
                  hook_failure_message(group.hook, failure, preferred_failures_));
    }
  }
  if (!failure.at_load) {
    auto slash = failure.section.find('/');
    std::string hook =
        slash == std::string::npos ? failure.section : failure.section.substr(slash + 1);
    throw Error(ErrorCode::Kernel, "cannot attach " + hook + ": " + failure.section + ": " +
                                       describe_failure(failure));
  }
  throw Error(ErrorCode::Kernel, failure.what());
}

// Readers of the tracers' maps; made before the first program is attached, so no event is
// missed.
std::unique_ptr<EventSource> EbpfOperator::make_source(GadgetInstance& instance,
                                                       GadgetProgram& attempt) {
  const auto& tracers = instance.gadget().markers.tracers;
  if (tracers.empty()) return nullptr;
  std::vector<TracerSink> sinks;
  for (size_t i = 0; i < tracers.size(); ++i) {
    EventPipeline* pipeline = instance.datasources()[i].get();
    sinks.push_back(
        {tracers[i].map_name,
         [pipeline](const void* record, size_t size) { pipeline->handle(record, size); },
         [pipeline](uint64_t count) { pipeline->report_lost(count); }});
  }
  return std::make_unique<EventSource>(attempt.object(), std::move(sinks),
                                       [&instance](const std::string& l) { instance.warn(l); });
}

// One attempt: configure, load, attach. False when it failed in a way the next attempt
// avoids (a fallback hook).
bool EbpfOperator::try_load(GadgetInstance& instance) {
  const PreparedGadget& g = instance.gadget();
  config_.core_btf_path = instance.core_btf_path;
  auto attempt = std::make_unique<GadgetProgram>(g.image.ebpf_object, g.object_name, config_);
  instance.configure(*attempt);
  try {
    attempt->load();
    instance.loaded(*attempt);
    source_ = make_source(instance, *attempt);
    const auto roots =
        instance.process_roots ? instance.process_roots() : std::vector<std::string>{};
    for (const auto& note : attempt->attach(roots)) instance.warn(note);
  } catch (const ProgramFailure& failure) {
    instance.unloaded();
    handle_failure(*attempt, failure);
    return false;
  } catch (...) {
    instance.unloaded();
    throw;
  }
  program_ = std::move(attempt);
  return true;
}

void EbpfOperator::start(GadgetInstance& instance) {
  if (!active_) return;
  // What is left once every operator took its flags (the network operator's --iface, --pf).
  config_.param_values = parse_gadget_args(instance.gadget_args(), config_.params);
  while (!try_load(instance)) {
  }
  if (instance.on_selected_container) {
    instance.on_selected_container([this](const enrich::Container& c) {
      std::lock_guard lock(late_roots_mutex_);
      late_roots_.push_back("/proc/" + std::to_string(c.pid) + "/root");
    });
  }
  const auto now = Clock::now();
  for (auto& f : fetches_) f.next = now + f.interval;
  next_loss_check_ = now + std::chrono::seconds(1);
}

// An iterator data source's records: each of its programs run once, socket iterators in each
// network namespace of the selection (upstream), cut to whole records.
std::string EbpfOperator::read_iterator(GadgetInstance& instance, size_t i, size_t size) {
  std::string records;
  for (const auto& name : instance.gadget().markers.iters[i].programs) {
    const std::string kind = program_->iterator_kind(name);
    std::string written;
    if ((kind == "tcp" || kind == "udp") && instance.network_namespaces) {
      for (const auto& netns : instance.network_namespaces()) {
        written += program_->run_iterator(name, netns.get());
      }
    } else {
      written = program_->run_iterator(name);
    }
    if (size == 0 || written.size() % size != 0) {
      instance.warn("iterator " + name + " wrote " + std::to_string(written.size()) +
                    " bytes, not a whole number of " + std::to_string(size) + "-byte records");
    }
    records += written.substr(0, size == 0 ? 0 : written.size() - written.size() % size);
  }
  return records;
}

void EbpfOperator::fetch(GadgetInstance& instance, size_t i) {
  const auto& markers = instance.gadget().markers;
  EventPipeline& pipeline = *instance.datasources()[first_array_ + i];
  const size_t size = pipeline.record_size();
  const std::string records =
      i < markers.iters.size()
          ? read_iterator(instance, i, size)
          : program_->drain_map(markers.map_iters[i - markers.iters.size()].map_name);
  pipeline.begin_batch();
  for (size_t at = 0; size > 0 && at + size <= records.size(); at += size) {
    pipeline.handle(records.data() + at, size);
  }
  pipeline.end_batch();
}

void EbpfOperator::attach_late_roots(GadgetInstance& instance) {
  std::vector<std::string> roots;
  {
    std::lock_guard lock(late_roots_mutex_);
    roots.swap(late_roots_);
  }
  for (const auto& root : roots) {
    try {
      for (const auto& note : program_->attach_library_probes(root)) instance.warn(note);
    } catch (const Error& e) {
      instance.warn(e.what());  // one container's failure does not end the run
    }
  }
}

Clock::time_point EbpfOperator::tick(GadgetInstance& instance, Clock::time_point now) {
  if (!active_) return kNever;
  attach_late_roots(instance);
  Clock::time_point next = kNever;
  for (size_t i = 0; i < fetches_.size(); ++i) {
    ArrayFetch& f = fetches_[i];
    // A once-only fetch happens right away, a periodic one after its first interval.
    const bool due = (f.once() && f.done == 0) || (f.pending() && now >= f.next);
    if (due) {
      fetch(instance, i);
      ++f.done;
      f.next += f.interval;
    }
    if (f.pending()) next = std::min(next, f.next);
  }
  if (source_ && config_.use_ringbuf && now >= next_loss_check_) {
    source_->report_ring_losses();
    next_loss_check_ = now + std::chrono::seconds(1);
  }
  return next;
}

// Without a tracer the run ends when no fetch is left to do.
bool EbpfOperator::has_work() const {
  return source_ || std::any_of(fetches_.begin(), fetches_.end(),
                                [](const ArrayFetch& f) { return f.pending(); });
}

bool EbpfOperator::wait(int timeout_ms) {
  if (!source_) return false;
  source_->poll(timeout_ms);
  return true;
}

// Detach first so that the final drain sees everything the kernel had already produced;
// fetch-on-stop / flush-on-stop show what changed since the last fetch.
void EbpfOperator::stop(GadgetInstance& instance) {
  if (!active_) return;
  program_->detach();
  if (source_) source_->poll(0);
  if (source_ && config_.use_ringbuf) source_->report_ring_losses();
  for (size_t i = 0; i < fetches_.size(); ++i) {
    if (fetches_[i].on_stop) fetch(instance, i);
  }
}

}  // namespace

namespace operators {
std::unique_ptr<GadgetOperator> make_ebpf_operator() { return std::make_unique<EbpfOperator>(); }
}  // namespace operators

}  // namespace ig::runner
