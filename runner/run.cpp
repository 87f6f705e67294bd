#include "runner/run.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "metadata/btf_markers.hpp"
#include "metadata/gadget_metadata.hpp"
#include "oci/reference.hpp"
#include "runner/acquire.hpp"
#include "runner/enrich/container_cache.hpp"
#include "runner/enrich/mntns_filter.hpp"
#include "runner/event_source.hpp"
#include "runner/image.hpp"
#include "runner/kstack/kernel_stacks.hpp"
#include "runner/params.hpp"
#include "runner/pipeline.hpp"
#include "runner/program.hpp"
#include "runner/ustack/symbolizer.hpp"
#include "util/error.hpp"

namespace ig::runner {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int signo) { g_stop_signal = signo; }

// Installs SIGINT/SIGTERM handlers for the run and restores the previous ones afterwards. No
// SA_RESTART, so the signal also cuts the current epoll_wait short.
class StopSignals {
 public:
  StopSignals() {
    g_stop_signal = 0;
    struct sigaction action = {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  bool stopped() const { return g_stop_signal != 0; }

 private:
  struct sigaction old_int_ = {};
  struct sigaction old_term_ = {};
};

void warn(const std::string& line) { std::fprintf(stderr, "warning: %s\n", line.c_str()); }

bool debug_enabled() {
  const char* env = std::getenv("IG_DEBUG");
  return env && *env && std::string(env) != "0";
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// -o takes one mode for all data sources or "ds:mode" entries; --fields takes "a,b" or
// "ds:a,b;ds2:c" (spec §5.2).
// Columns of a terminal on stdout; 0 when stdout is not one.
size_t terminal_width() {
  struct winsize size = {};
  if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

OutputOptions output_options_for(const std::string& datasource, const RunOptions& options) {
  OutputOptions out;
  out.terminal_width = terminal_width();
  out.filter = options.filter;
  for (const auto& entry : options.output) {
    for (const auto& item : split(entry, ',')) {
      auto colon = item.find(':');
      if (colon == std::string::npos) {
        out.mode = item;
      } else if (item.substr(0, colon) == datasource) {
        out.mode = item.substr(colon + 1);
      }
    }
  }
  for (const auto& entry : options.fields) {
    for (const auto& group : split(entry, ';')) {
      auto colon = group.find(':');
      if (colon == std::string::npos) {
        for (auto& f : split(group, ',')) out.fields.push_back(f);
      } else if (group.substr(0, colon) == datasource) {
        for (auto& f : split(group.substr(colon + 1), ',')) out.fields.push_back(f);
      }
    }
  }
  return out;
}

// Everything run() and describe_gadget() learn before loading: the image, its metadata, and
// an opened-but-never-loaded copy of the object whose BTF decodes events for the whole run.
struct PreparedGadget {
  GadgetImage image;
  std::string object_name;
  metadata::GadgetMetadata meta;
  ObjectPtr spec;
  metadata::GadgetMarkers markers;
  std::vector<GadgetParam> params;
};

// --annotate "ds:key=value,ds.field:key=value": annotations given at run time, over
// gadget.yaml's (upstream's flag).
void apply_annotate(const std::vector<std::string>& entries, metadata::GadgetMetadata& meta) {
  for (const auto& entry : entries) {
    for (const auto& item : split(entry, ',')) {
      const size_t colon = item.find(':');
      const size_t equals = item.find('=', colon == std::string::npos ? 0 : colon);
      if (colon == std::string::npos || colon == 0 || equals == std::string::npos ||
          equals == colon + 1) {
        throw Error(ErrorCode::InvalidArgument,
                    "--annotate \"" + item + "\": expected datasource[.field]:key=value");
      }
      const std::string target = item.substr(0, colon);
      const std::string key = item.substr(colon + 1, equals - colon - 1);
      const std::string value = item.substr(equals + 1);
      const size_t dot = target.find('.');
      auto& ds = meta.datasources[target.substr(0, dot)];
      if (dot == std::string::npos) {
        ds.annotations[key] = value;
      } else {
        ds.fields[target.substr(dot + 1)].annotations[key] = value;
      }
    }
  }
}

PreparedGadget prepare(const RunOptions& options, oci::LayoutStore& store) {
  oci::Reference ref = acquire_image(options, store, warn);
  PreparedGadget g;
  g.image = open_image(store, ref, warn);
  if (g.image.ebpf_object.empty()) {
    throw Error(ErrorCode::Unsupported, "image \"" + ref.str() + "\" has no eBPF program layer");
  }
  const std::string& repo = ref.repository;
  g.object_name = repo.substr(repo.rfind('/') + 1);
  if (!g.image.metadata_yaml.empty()) {
    g.meta = metadata::parse_metadata(g.image.metadata_yaml, ref.str() + ": gadget.yaml");
  }
  apply_annotate(options.annotate, g.meta);
  g.spec = open_object(g.image.ebpf_object, g.object_name);
  const struct btf* btf = bpf_object__btf(g.spec.get());
  if (!btf) {
    throw Error(ErrorCode::Unsupported, "image \"" + ref.str() + "\": the eBPF object has no BTF");
  }
  g.markers = metadata::discover_markers(btf);
  g.params = collect_params(g.spec.get(), g.markers, g.meta);
  return g;
}

const metadata::DataSourceMetadata* datasource_metadata(const metadata::GadgetMetadata& meta,
                                                        const std::string& name) {
  auto it = meta.datasources.find(name);
  return it == meta.datasources.end() ? nullptr : &it->second;
}

std::unique_ptr<enrich::ContainerCache> make_container_cache(const RunOptions& options) {
  enrich::SourceOptions sources;
  sources.runtimes = options.runtimes;
  const auto set_path = [&sources](std::string& target, const std::string& given) {
    if (given.empty()) return;
    target = given;
    sources.explicit_paths.insert(given);
  };
  set_path(sources.docker_socket, options.docker_socketpath);
  set_path(sources.containerd_socket, options.containerd_socketpath);
  set_path(sources.podman_socket, options.podman_socketpath);
  set_path(sources.crio_socket, options.crio_socketpath);
  sources.containerd_namespace = options.containerd_namespace;
  auto cache = std::make_unique<enrich::ContainerCache>(enrich::make_sources(sources, warn), warn);
  cache->refresh();
  cache->watch(enrich::watch_dirs(sources), std::chrono::seconds(1));
  return cache;
}

// A map that feeds --collect-ustack, when the gadget has it.
int map_fd(struct bpf_object* obj, const char* name) {
  struct bpf_map* map = bpf_object__find_map_by_name(obj, name);
  return map ? bpf_map__fd(map) : -1;
}

// A descriptor of a network namespace (/proc/PID/ns/net), closed with it.
class NetnsFd {
 public:
  explicit NetnsFd(int fd) : fd_(fd) {}
  NetnsFd(NetnsFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  NetnsFd(const NetnsFd&) = delete;
  NetnsFd& operator=(const NetnsFd&) = delete;
  ~NetnsFd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// The network namespaces socket iterators are read in: those of the selected containers and,
// with --host, ig's own; each once. A container that is gone by now is skipped.
std::vector<NetnsFd> network_namespaces(enrich::ContainerCache& containers,
                                        const enrich::NameSelector& selector, bool host) {
  std::vector<NetnsFd> out;
  std::set<ino_t> seen;
  const auto add = [&](const std::string& path) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (fstat(fd, &st) != 0 || !seen.insert(st.st_ino).second) {
      close(fd);
      return;
    }
    out.emplace_back(fd);
  };
  if (host) add("/proc/self/ns/net");
  for (const auto& c : containers.containers()) {
    if (!host && !selector.empty() && !selector.matches(c->name)) continue;
    add("/proc/" + std::to_string(c->pid) + "/ns/net");
  }
  return out;
}

// When an array data source (an iterator's or a map iterator's) is fetched, as upstream: once
// right away with no interval and a count of 1, else every interval (none: never) until
// `count` fetches (0: until the run ends), and once more at the end if asked.
struct ArrayFetch {
  std::chrono::nanoseconds interval{};
  int count = 1;
  int done = 0;
  bool on_stop = false;  // ebpf.iter.fetch-on-stop, ebpf.map.flush-on-stop
  std::chrono::steady_clock::time_point next{};

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

// Map iterators: --map-fetch-interval (default 1000ms) and --map-fetch-count (default 0), each
// "VALUE" for every map iterator or "ds:VALUE,..." per data source; taken out of `args` when
// the gadget has map iterators (they are not flags otherwise, as upstream).
std::vector<ArrayFetch> map_iterator_schedule(const std::vector<metadata::MapIterMarker>& iters,
                                              const metadata::GadgetMetadata& meta,
                                              std::vector<std::string>& args) {
  std::vector<ArrayFetch> out(iters.size());
  if (iters.empty()) return out;
  const auto per_source = [&](const std::string& flag, const std::string& text,
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
  };
  per_source("map-fetch-interval", take_flag(args, "map-fetch-interval").value_or("1000ms"),
             [](ArrayFetch& f, const std::string& v) {
               f.interval = parse_interval("--map-fetch-interval", v);
             });
  per_source(
      "map-fetch-count", take_flag(args, "map-fetch-count").value_or("0"),
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

}  // namespace

int run(const RunOptions& options, oci::LayoutStore& store) {
  set_libbpf_debug(debug_enabled());
  PreparedGadget g = prepare(options, store);
  std::vector<std::string> gadget_args = options.gadget_args;
  // Iterators' data sources, then map iterators': the same order as their pipelines.
  std::vector<ArrayFetch> fetches = iterator_schedule(g.markers.iters, g.meta);
  for (auto& f : map_iterator_schedule(g.markers.map_iters, g.meta, gadget_args)) {
    fetches.push_back(f);
  }
  auto values = parse_gadget_args(gadget_args, g.params);
  if (g.markers.tracers.empty() && g.markers.iters.empty() && g.markers.map_iters.empty()) {
    throw Error(ErrorCode::Unsupported, "image \"" + g.image.reference.str() +
                                            "\" has no GADGET_TRACER, GADGET_ITER or "
                                            "GADGET_MAPITER data source");
  }

  const struct btf* btf = bpf_object__btf(g.spec.get());
  std::vector<std::unique_ptr<EventPipeline>> pipelines;
  for (const auto& tracer : g.markers.tracers) {
    pipelines.push_back(
        std::make_unique<EventPipeline>(btf, tracer, datasource_metadata(g.meta, tracer.name),
                                        output_options_for(tracer.name, options), stdout));
  }
  // Array data sources of iterator programs come after the tracers'.
  for (const auto& iter : g.markers.iters) {
    const metadata::TracerMarker source{iter.name, "", iter.struct_name};
    pipelines.push_back(
        std::make_unique<EventPipeline>(btf, source, datasource_metadata(g.meta, iter.name),
                                        output_options_for(iter.name, options), stdout));
    pipelines.back()->set_array();
  }
  // Then those of map iterators: each record is the map's key and value back to back.
  for (const auto& iter : g.markers.map_iters) {
    if (iter.key_struct.empty() || iter.value_struct.empty()) {
      throw Error(ErrorCode::InvalidArgument, "map iterator " + iter.name +
                                                  ": the key and value of map " + iter.map_name +
                                                  " must be structs");
    }
    pipelines.push_back(std::make_unique<EventPipeline>(
        btf, iter.name, std::vector<std::string>{iter.key_struct, iter.value_struct},
        datasource_metadata(g.meta, iter.name), output_options_for(iter.name, options), stdout));
    pipelines.back()->set_array();
  }

  ObjectConfig config;
  config.params = g.params;
  config.param_values = values;
  config.tracer_maps = g.markers.tracer_maps;
  config.use_ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) == 1;

  // Without --host only containers are shown (all of them, or those -c selects); the
  // selection happens in the kernel through the gadget's mount-namespace filter map.
  auto containers = make_container_cache(options);
  const enrich::NameSelector selector(options.container_names);
  if (options.host && !selector.empty()) {
    warn("-c/--containername has no effect with --host");
  }
  const bool select_containers = !options.host;
  bool kernel_filter = false;

  StopSignals signals;
  std::unique_ptr<ustack::Symbolizer> symbolizer;
  std::unique_ptr<kstack::KernelStacks> kernel_stacks;
  std::unique_ptr<enrich::MntnsFilterMap> filter_map;
  std::unique_ptr<GadgetProgram> program;
  std::unique_ptr<EventSource> source;
  std::map<std::string, std::string> preferred_failures;  // hook -> "fentry/X: why"
  while (!program) {
    auto attempt = std::make_unique<GadgetProgram>(g.image.ebpf_object, g.object_name, config);
    // On failure of a preferred fentry/fexit program, retry the whole object with the kprobe
    // variant of that hook; a failing kprobe variant names both reasons.
    auto fallback_hook = [&](const ProgramFailure& failure) -> std::optional<std::string> {
      for (const auto& group : attempt->groups()) {
        if (failure.program == group.preferred && !config.fallback_hooks.contains(group.hook)) {
          return group.hook;
        }
        if (failure.program == group.fallback) {
          throw Error(ErrorCode::Kernel,
                      hook_failure_message(group.hook, failure, preferred_failures));
        }
      }
      return std::nullopt;
    };
    auto handle = [&](const ProgramFailure& failure) {
      if (auto hook = fallback_hook(failure)) {
        preferred_failures[*hook] = failure.section + ": " + describe_failure(failure);
        config.fallback_hooks.insert(*hook);
        return;
      }
      if (!failure.at_load) {
        auto slash = failure.section.find('/');
        std::string hook =
            slash == std::string::npos ? failure.section : failure.section.substr(slash + 1);
        throw Error(ErrorCode::Kernel, "cannot attach " + hook + ": " + failure.section + ": " +
                                           describe_failure(failure));
      }
      throw Error(ErrorCode::Kernel, failure.what());
    };
    kernel_filter = select_containers && enrich::enable_mntns_filter(attempt->object());
    try {
      attempt->load();
    } catch (const ProgramFailure& failure) {
      handle(failure);
      continue;
    }
    containers->on_added(nullptr);
    containers->on_stopped(nullptr);
    filter_map.reset();
    if (kernel_filter) {
      filter_map = std::make_unique<enrich::MntnsFilterMap>(attempt->object());
      // Runs for the containers known now and, from the watcher thread, for later ones.
      containers->on_added([&selector, map = filter_map.get()](const enrich::Container& c) {
        try {
          if (selector.matches(c.name)) {
            map->add(c.mntns);
          } else {
            map->remove(c.mntns);  // a container renamed out of the selection leaves it
          }
        } catch (const Error& e) {
          warn(std::string(e.what()) + " (container " + c.name + ")");
        }
      });
      // Its namespace id may be given to another process or container later.
      containers->on_stopped([map = filter_map.get()](const enrich::Container& c) {
        try {
          map->remove(c.mntns);
        } catch (const Error& e) {
          warn(e.what());
        }
      });
    }
    kernel_stacks = std::make_unique<kstack::KernelStacks>(map_fd(attempt->object(), "ig_kstack"));
    symbolizer = std::make_unique<ustack::Symbolizer>(
        map_fd(attempt->object(), "ig_ustack"), map_fd(attempt->object(), "ig_build_id"),
        ustack::KernelMappings(map_fd(attempt->object(), "ig_ustack_mappings"),
                               map_fd(attempt->object(), "ig_ustack_files"),
                               "/proc/self/mountinfo"));
    for (auto& pipeline : pipelines) {
      EventEnrichers enrichers;
      enrichers.container = [&containers](uint64_t mntns) { return containers->lookup(mntns); };
      if (select_containers && !kernel_filter) {
        // A gadget without gadget_mntns_filter_map: select in user space instead.
        enrichers.keep = [&selector](const enrich::Container* c) {
          return c != nullptr && selector.matches(c->name);
        };
      }
      enrichers.ustack = symbolizer.get();
      enrichers.kernel_stacks = kernel_stacks.get();
      pipeline->set_enrichers(std::move(enrichers));
    }
    std::vector<TracerSink> sinks;
    for (size_t i = 0; i < g.markers.tracers.size(); ++i) {
      EventPipeline* pipeline = pipelines[i].get();
      sinks.push_back(
          {g.markers.tracers[i].map_name,
           [pipeline](const void* record, size_t size) { pipeline->handle(record, size); },
           [pipeline](uint64_t count) { pipeline->report_lost(count); }});
    }
    // Readers exist before the first program is attached, so no event is missed.
    std::unique_ptr<EventSource> attempt_source;
    if (!sinks.empty()) {
      attempt_source = std::make_unique<EventSource>(attempt->object(), std::move(sinks),
                                                     config.use_ringbuf, warn);
    }
    try {
      attempt->attach();
    } catch (const ProgramFailure& failure) {
      attempt_source.reset();
      handle(failure);
      continue;
    }
    program = std::move(attempt);
    source = std::move(attempt_source);
  }

  for (auto& pipeline : pipelines) pipeline->start();
  using Clock = std::chrono::steady_clock;
  const size_t first_array = g.markers.tracers.size();
  const auto fetch = [&](size_t i) {
    EventPipeline& pipeline = *pipelines[first_array + i];
    const size_t size = pipeline.record_size();
    std::string records;
    if (i < g.markers.iters.size()) {
      for (const auto& name : g.markers.iters[i].programs) {
        const std::string kind = program->iterator_kind(name);
        std::string written;
        if (kind == "tcp" || kind == "udp") {
          // Socket iterators list one network namespace: each selected container's (upstream),
          // and the host's with --host.
          for (const auto& netns : network_namespaces(*containers, selector, options.host)) {
            written += program->run_iterator(name, netns.get());
          }
        } else {
          written = program->run_iterator(name);
        }
        if (size == 0 || written.size() % size != 0) {
          warn("iterator " + name + " wrote " + std::to_string(written.size()) +
               " bytes, not a whole number of " + std::to_string(size) + "-byte records");
        }
        records += written.substr(0, size == 0 ? 0 : written.size() - written.size() % size);
      }
    } else {
      records = program->drain_map(g.markers.map_iters[i - g.markers.iters.size()].map_name);
    }
    pipeline.begin_batch();
    for (size_t at = 0; size > 0 && at + size <= records.size(); at += size) {
      pipeline.handle(records.data() + at, size);
    }
    pipeline.end_batch();
  };
  for (size_t i = 0; i < fetches.size(); ++i) {
    if (fetches[i].once()) {
      fetch(i);
      fetches[i].done = 1;
    }
    fetches[i].next = Clock::now() + fetches[i].interval;
  }
  // Without a tracer the run ends when no fetch is left to do.
  const auto work_left = [&] {
    if (source) return true;
    for (const auto& f : fetches) {
      if (f.pending()) return true;
    }
    return false;
  };
  const auto started = Clock::now();
  auto next_loss_check = started + std::chrono::seconds(1);
  while (!signals.stopped() && work_left()) {
    int wait_ms = 100;
    if (options.timeout_seconds > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          started + std::chrono::seconds(options.timeout_seconds) - Clock::now());
      if (left.count() <= 0) break;
      wait_ms = static_cast<int>(std::min<long>(wait_ms, left.count()));
    }
    for (const auto& f : fetches) {
      if (!f.pending()) continue;
      auto until = std::chrono::duration_cast<std::chrono::milliseconds>(f.next - Clock::now());
      wait_ms = static_cast<int>(std::clamp<long>(until.count(), 0, wait_ms));
    }
    if (source) {
      source->poll(wait_ms);
    } else if (wait_ms > 0) {
      // A stop signal cuts the sleep short (EINTR).
      struct timespec pause = {wait_ms / 1000, (wait_ms % 1000) * 1000000L};
      nanosleep(&pause, nullptr);
    }
    for (size_t i = 0; i < fetches.size(); ++i) {
      if (!fetches[i].pending() || Clock::now() < fetches[i].next) continue;
      fetch(i);
      ++fetches[i].done;
      fetches[i].next += fetches[i].interval;
    }
    if (source && config.use_ringbuf && Clock::now() >= next_loss_check) {
      source->report_ring_losses();
      next_loss_check = Clock::now() + std::chrono::seconds(1);
    }
    for (auto& pipeline : pipelines) pipeline->flush();
    std::fflush(stdout);
  }
  // Detach first so that the final drain sees everything the kernel had already produced.
  program->detach();
  if (source) source->poll(0);
  if (source && config.use_ringbuf) source->report_ring_losses();
  // fetch-on-stop / flush-on-stop: what changed since the last fetch is shown too.
  for (size_t i = 0; i < fetches.size(); ++i) {
    if (fetches[i].on_stop) fetch(i);
  }
  containers->on_added(nullptr);
  source.reset();
  program.reset();
  for (auto& pipeline : pipelines) pipeline->finish();
  std::fflush(stdout);
  return 0;
}

std::string describe_gadget(const RunOptions& options, oci::LayoutStore& store) {
  set_libbpf_debug(debug_enabled());
  PreparedGadget g = prepare(options, store);
  std::ostringstream out;
  out << "Gadget flags of " << g.image.reference.str() << ":\n";
  if (g.params.empty()) out << "  (none)\n";
  for (const auto& param : g.params) {
    static const char* const kTypeNames[] = {"bool", "int", "uint", "float", "string"};
    std::string type = kTypeNames[static_cast<int>(param.type)];
    if (param.type == ParamType::Int || param.type == ParamType::Uint ||
        param.type == ParamType::Float) {
      type += std::to_string(param.size * 8);
    }
    out << "  --" << param.key << " " << type;
    if (!param.description.empty()) out << "  " << param.description;
    out << " (default \"" << param.default_value << "\")\n";
  }
  if (!g.markers.map_iters.empty()) {
    out << "  --map-fetch-interval string  Interval in which to iterate over maps "
           "(default \"1000ms\")\n"
           "  --map-fetch-count int  Number of map fetch cycles, 0 for unlimited (default "
           "\"0\")\n";
  }
  const struct btf* btf = bpf_object__btf(g.spec.get());
  const auto describe = [&](const std::string& name, const std::vector<std::string>& structs) {
    EventPipeline pipeline(btf, name, structs, datasource_metadata(g.meta, name),
                           output_options_for(name, options), stdout);
    out << "\nFields of data source " << name << ":\n";
    for (const auto& [field, description] : pipeline.describe_fields()) {
      out << "  " << field;
      if (!description.empty()) out << "  " << description;
      out << "\n";
    }
  };
  for (const auto& tracer : g.markers.tracers) describe(tracer.name, {tracer.struct_name});
  for (const auto& iter : g.markers.iters) describe(iter.name, {iter.struct_name});
  for (const auto& iter : g.markers.map_iters) {
    describe(iter.name, {iter.key_struct, iter.value_struct});
  }
  return out.str();
}

}  // namespace ig::runner
