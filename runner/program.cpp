#include "runner/program.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "runner/network/filter_injection.hpp"
#include "runner/uprobes/library.hpp"
#include "runner/uprobes/usdt.hpp"
#include "util/debug.hpp"

namespace ig::runner {
namespace {

// libbpf's print callback is process-wide; the log of the current attempt is kept here.
struct LibbpfLog {
  std::mutex mutex;
  bool debug = false;
  std::vector<std::string> messages;
};

LibbpfLog& libbpf_log() {
  static LibbpfLog log;
  return log;
}

int print_libbpf(enum libbpf_print_level level, const char* format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (n < 0) return n;
  std::string text(static_cast<size_t>(n), '\0');
  std::vsnprintf(text.data(), text.size() + 1, format, args);
  LibbpfLog& log = libbpf_log();
  std::lock_guard lock(log.mutex);
  if (log.debug) std::fputs(text.c_str(), stderr);
  // Debug-level chatter is large and never quoted in errors.
  if (level != LIBBPF_DEBUG) log.messages.push_back(std::move(text));
  return n;
}

void install_print() {
  static std::once_flag once;
  std::call_once(once, [] {
    libbpf_set_print(print_libbpf);
    if (debug_enabled()) libbpf_log().debug = true;
  });
}

std::vector<std::string> take_log() {
  LibbpfLog& log = libbpf_log();
  std::lock_guard lock(log.mutex);
  return std::exchange(log.messages, {});
}

std::string error_text(int err) {
  // The kernel's internal ENOTSUPP (524) leaks out of BPF syscalls; strerror does not know it.
  if (err == 524) return "Operation not supported (ENOTSUPP)";
  return std::strerror(err);
}

// "fentry/x" -> {"fentry", "x"}
std::pair<std::string, std::string> split_section(const std::string& section) {
  auto slash = section.find('/');
  if (slash == std::string::npos) return {section, ""};
  return {section.substr(0, slash), section.substr(slash + 1)};
}

bool kernel_has_kprobes() {
  return std::filesystem::exists("/sys/bus/event_source/devices/kprobe") ||
         std::filesystem::exists("/sys/kernel/tracing/kprobe_events") ||
         std::filesystem::exists("/sys/kernel/debug/tracing/kprobe_events");
}

bool tracepoint_exists(const std::string& category_and_name) {
  for (const char* root : {"/sys/kernel/tracing/events/", "/sys/kernel/debug/tracing/events/"}) {
    if (std::filesystem::exists(std::string(root) + category_and_name)) return true;
  }
  return false;
}

bool tracefs_mounted() {
  return std::filesystem::exists("/sys/kernel/tracing/events") ||
         std::filesystem::exists("/sys/kernel/debug/tracing/events");
}

// The program libbpf complained about last: its warnings read "prog '<name>': ...".
std::string failed_program(const std::vector<std::string>& log, struct bpf_object* obj) {
  for (auto it = log.rbegin(); it != log.rend(); ++it) {
    auto start = it->find("prog '");
    if (start == std::string::npos) continue;
    start += 6;
    auto end = it->find('\'', start);
    if (end == std::string::npos) continue;
    std::string name = it->substr(start, end - start);
    if (bpf_object__find_program_by_name(obj, name.c_str())) return name;
  }
  return {};
}

// The map libbpf could not create: "map '<name>': failed to create".
std::string failed_map(const std::vector<std::string>& log) {
  for (const auto& line : log) {
    auto pos = line.find("': failed to create");
    auto start = line.find("map '");
    if (pos != std::string::npos && start != std::string::npos && start + 5 < pos) {
      return line.substr(start + 5, pos - start - 5);
    }
  }
  return {};
}

// Last lines of the verifier log libbpf printed for `program`.
std::string verifier_log_tail(const std::vector<std::string>& log, const std::string& program,
                              size_t max_lines) {
  const std::string begin = "prog '" + program + "': -- BEGIN PROG LOAD LOG --";
  for (auto it = log.rbegin(); it != log.rend(); ++it) {
    auto pos = it->find(begin);
    if (pos == std::string::npos) continue;
    std::string body = it->substr(pos + begin.size());
    if (auto end = body.find("-- END PROG LOAD LOG --"); end != std::string::npos) body.resize(end);
    std::vector<std::string> lines;
    std::istringstream in(body);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    size_t first = lines.size() > max_lines ? lines.size() - max_lines : 0;
    std::string tail;
    for (size_t i = first; i < lines.size(); ++i) tail += "\n  " + lines[i];
    return tail;
  }
  return {};
}

}  // namespace

void set_libbpf_debug(bool debug) {
  install_print();
  std::lock_guard lock(libbpf_log().mutex);
  libbpf_log().debug = libbpf_log().debug || debug;
}

void ObjectDeleter::operator()(struct bpf_object* obj) const { bpf_object__close(obj); }
void LinkDeleter::operator()(struct bpf_link* link) const { bpf_link__destroy(link); }

std::vector<VariantGroup> group_variants(const std::vector<ProgramSection>& programs) {
  std::vector<VariantGroup> groups;
  auto family = [](const std::string& kind) -> int {
    if (kind == "kprobe" || kind == "fentry") return 1;
    if (kind == "kretprobe" || kind == "fexit") return 2;
    return 0;
  };
  for (const auto& tracing : programs) {
    auto [kind, hook] = split_section(tracing.section);
    if ((kind != "fentry" && kind != "fexit") || hook.empty()) continue;
    for (const auto& probe : programs) {
      auto [probe_kind, probe_hook] = split_section(probe.section);
      if ((probe_kind == "kprobe" || probe_kind == "kretprobe") && probe_hook == hook &&
          family(probe_kind) == family(kind)) {
        groups.push_back({hook, tracing.name, probe.name});
        break;
      }
    }
  }
  return groups;
}

ObjectPtr open_object(const std::string& elf, const std::string& name,
                      const std::string& core_btf_path) {
  install_print();
  network::register_classifier_sections();
  take_log();
  LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name.c_str(),
              .btf_custom_path = core_btf_path.empty() ? nullptr : core_btf_path.c_str());
  struct bpf_object* obj = bpf_object__open_mem(elf.data(), elf.size(), &opts);
  if (!obj) {
    int err = errno;
    throw Error(ErrorCode::InvalidArgument,
                "cannot open the eBPF object of " + name + ": " + error_text(err));
  }
  return ObjectPtr(obj);
}

std::vector<ProgramSection> program_sections(struct bpf_object* obj) {
  std::vector<ProgramSection> sections;
  struct bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    sections.push_back({bpf_program__name(prog), bpf_program__section_name(prog)});
  }
  return sections;
}

namespace {

// Without --collect-ustack the user-stack maps (include/gadget/user_stack_map.h) stay empty:
// one entry each instead of the several MiB of kernel memory they would pin.
void shrink_unused_stack_maps(struct bpf_object* obj, const ObjectConfig& config) {
  for (const auto& param : config.params) {
    if (param.variable != "collect_ustack") continue;
    auto it = config.param_values.find(param.key);
    bool on = true;
    if (!parse_bool(it != config.param_values.end() ? it->second : param.default_value, on) || on) {
      return;
    }
  }
  for (const char* name :
       {"ig_ustack", "ig_ustack_mappings", "ig_ustack_files", "ig_ustack_seen"}) {
    if (struct bpf_map* map = bpf_object__find_map_by_name(obj, name)) {
      bpf_map__set_max_entries(map, 1);
    }
  }
}

}  // namespace

namespace {

// profile_cpu reads the GPU bridge's maps only with --gpu-idle-only.
bool gpu_bridge_optional(const ObjectConfig& config) {
  for (const auto& param : config.params) {
    if (param.key != "gpu-idle-only") continue;
    const auto it = config.param_values.find(param.key);
    return (it != config.param_values.end() ? it->second : param.default_value) != "true";
  }
  return false;
}

// Maps pinned by name belong to whoever pinned them (the GPU bridge): reused when pinned,
// else private to this run, so that it leaves no pin behind. GPU gadgets read the bridge's
// maps (gpu_*): without them they refuse, in one line.
void settle_pinned_maps(struct bpf_object* obj, const ObjectConfig& config) {
  std::string missing_bridge;
  struct bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    const char* pin = bpf_map__pin_path(map);
    if (pin == nullptr || std::filesystem::exists(pin)) continue;
    if (std::string_view(bpf_map__name(map)).starts_with("gpu_")) {
      missing_bridge += (missing_bridge.empty() ? "" : ", ") + std::string(pin);
    }
    bpf_map__set_pin_path(map, nullptr);
  }
  if (missing_bridge.empty() || gpu_bridge_optional(config)) return;
  throw Error(ErrorCode::Unsupported, "this gadget reads the GPU bridge's maps (" + missing_bridge +
                                          "), which no GPU bridge (gpu-ebpf-bridge) pinned on "
                                          "this host");
}

}  // namespace

GadgetProgram::GadgetProgram(const std::string& elf, const std::string& name,
                             const ObjectConfig& config)
    : object_(open_object(elf, name, config.core_btf_path)) {
  struct bpf_object* obj = object_.get();
  apply_params(obj, config.params, config.param_values);
  settle_pinned_maps(obj, config);
  perf_samplers_ = config.perf_samplers;
  // libbpf 1.1 knows only a bare "perf_event" section, upstream names them perf_event/NAME;
  // it knows "socket" but not upstream's "socket1".
  struct bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    const std::string_view section = bpf_program__section_name(prog);
    if (section.starts_with("perf_event/")) bpf_program__set_type(prog, BPF_PROG_TYPE_PERF_EVENT);
    if (section.starts_with("socket")) bpf_program__set_type(prog, BPF_PROG_TYPE_SOCKET_FILTER);
  }
  if (!config.use_ringbuf) {
    // Kernels before 5.8: the same maps become perf buffers (buffer.h picks the helpers by a
    // CO-RE check on the kernel side).
    for (const auto& map_name : config.tracer_maps) {
      struct bpf_map* map = bpf_object__find_map_by_name(obj, map_name.c_str());
      if (!map) continue;
      bpf_map__set_type(map, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
      bpf_map__set_key_size(map, 4);
      bpf_map__set_value_size(map, 4);
      bpf_map__set_max_entries(map, 0);  // libbpf sizes it to the number of CPUs
    }
  }
  // Upstream convention: a param named <map>_max_entries sizes map <map> (e.g. ig_build_id,
  // declared with max_entries 0).
  for (const auto& param : config.params) {
    constexpr std::string_view kSuffix = "_max_entries";
    if (!param.variable.ends_with(kSuffix) || param.variable.size() == kSuffix.size()) continue;
    std::string map_name = param.variable.substr(0, param.variable.size() - kSuffix.size());
    struct bpf_map* map = bpf_object__find_map_by_name(obj, map_name.c_str());
    if (!map) continue;
    auto it = config.param_values.find(param.key);
    const std::string& text = it != config.param_values.end() ? it->second : param.default_value;
    uint64_t entries = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), entries);
    if (ec != std::errc() || end != text.data() + text.size() || entries == 0 ||
        entries > UINT32_MAX) {
      throw Error(ErrorCode::InvalidArgument, "--" + param.key + ": invalid number of entries \"" +
                                                  text + "\" for map " + map_name);
    }
    bpf_map__set_max_entries(map, static_cast<uint32_t>(entries));
  }
  shrink_unused_stack_maps(obj, config);
  groups_ = group_variants(program_sections(obj));
  for (const auto& group : groups_) {
    bool fallback = config.fallback_hooks.contains(group.hook);
    bpf_program__set_autoload(bpf_object__find_program_by_name(obj, group.preferred.c_str()),
                              !fallback);
    bpf_program__set_autoload(bpf_object__find_program_by_name(obj, group.fallback.c_str()),
                              fallback);
  }
}

void GadgetProgram::load() {
  take_log();
  int err = bpf_object__load(object_.get());
  std::vector<std::string> log = take_log();
  if (err == 0) return;
  err = -err;
  std::string program = failed_program(log, object_.get());
  if (program.empty()) {
    if (std::string map = failed_map(log); !map.empty()) {
      throw ProgramFailure("creating map " + map + " failed: " + error_text(err), "", "", err,
                           true);
    }
    throw ProgramFailure("loading the eBPF object failed: " + error_text(err), "", "", err, true);
  }
  std::string section =
      bpf_program__section_name(bpf_object__find_program_by_name(object_.get(), program.c_str()));
  std::string message =
      "loading " + section + " (program " + program + ") failed: " + error_text(err);
  if (std::string tail = verifier_log_tail(log, program, 15); !tail.empty()) {
    message += "; verifier log (last lines):" + tail;
  }
  throw ProgramFailure(message, program, section, err, true);
}

// "uprobe/libc:malloc": upstream's form naming a library, not a path, which libbpf's
// automatic attach cannot resolve; "usdt/libc:provider:name" (or a path for the library), as
// upstream attaches USDT probes. Returns {library, function or provider:name}, or nothing for
// other sections.
std::optional<std::pair<std::string, std::string>> library_probe(const std::string& kind,
                                                                 const std::string& target) {
  if (kind != "uprobe" && kind != "uretprobe" && kind != "usdt") return std::nullopt;
  const size_t colon = target.find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  if (kind != "usdt" && target.find('/') < colon) return std::nullopt;  // a path: libbpf's own
  return std::make_pair(target.substr(0, colon), target.substr(colon + 1));
}

// Where `probe` attaches in the open file `path`: the function's symbol (offset 0 with
// func_name) for uprobes, each USDT location for usdt sections.
struct ProbeSite {
  uint64_t offset = 0;
  uint64_t ref_ctr_offset = 0;
};
std::vector<ProbeSite> probe_sites(const std::string& section, int fd, const std::string& probe) {
  if (!section.starts_with("usdt")) return {ProbeSite{}};
  const size_t colon = probe.find(':');
  if (colon == std::string::npos) return {};
  std::vector<ProbeSite> sites;
  for (const auto& at : uprobes::find_usdt(fd, probe.substr(0, colon), probe.substr(colon + 1))) {
    sites.push_back({at.offset, at.semaphore});
  }
  return sites;
}

void GadgetProgram::attach_library_probe(struct bpf_program* prog, const std::string& library,
                                         const std::string& function,
                                         const std::vector<std::string>& roots,
                                         std::vector<std::string>& notes) {
  const std::string section = bpf_program__section_name(prog);
  size_t found = 0;
  const bool usdt = section.starts_with("usdt");
  for (const auto& root : roots) {
    const std::optional<std::string> path =
        library.starts_with("/") ? std::optional<std::string>(library) : uprobes::find_library(root, library);
    if (!path) continue;
    const UniqueFd fd = uprobes::open_in_root(root, *path);
    struct stat st;
    if (fd.get() < 0 || fstat(fd.get(), &st) != 0) continue;
    ++found;
    if (!probed_files_.insert({section, st.st_dev, st.st_ino}).second) continue;
    const auto sites = probe_sites(section, fd.get(), function);
    if (sites.empty()) {
      notes.push_back(section + ": " + root + *path + " has no USDT probe " + function + ": not attached");
      continue;
    }
    for (const auto& site : sites) attach_probe_site(prog, fd.get(), usdt ? nullptr : function.c_str(), site.offset,
                                                     site.ref_ctr_offset, root + *path, notes);
  }
  if (found == 0) {
    notes.push_back(section + ": no " + library + (library.starts_with("/") ? "" : ".so*") +
                    " in the traced file systems (" + std::to_string(roots.size()) + "): not attached");
  }
}

// One uprobe by file, for every process mapping it (pid -1); the kernel side filters by
// container.
void GadgetProgram::attach_probe_site(struct bpf_program* prog, int fd, const char* function, uint64_t offset,
                                      uint64_t ref_ctr_offset, const std::string& file,
                                      std::vector<std::string>& notes) {
  const std::string section = bpf_program__section_name(prog);
  const std::string by_fd = "/proc/self/fd/" + std::to_string(fd);
  LIBBPF_OPTS(bpf_uprobe_opts, opts, .ref_ctr_offset = ref_ctr_offset,
              .retprobe = section.starts_with("uretprobe"), .func_name = function);
  take_log();
  struct bpf_link* link = bpf_program__attach_uprobe_opts(prog, -1, by_fd.c_str(), offset, &opts);
  if (!link && errno == ENOENT && function != nullptr) {
    // A function this build of the library does not export (upstream's trace_ssl probes
    // static libcrypto functions): the other probes still attach, as upstream's do.
    take_log();
    notes.push_back(section + ": " + file + " has no symbol " + function + ": not attached");
    return;
  }
  if (!link) {
    const int err = errno;
    take_log();
    throw ProgramFailure("attaching " + section + " to " + file + " failed: " + error_text(err),
                         bpf_program__name(prog), section, err, false);
  }
  links_.emplace_back(link);
}

// Samples as gadget.yaml's programs.NAME.perf and .sampler say, on every online CPU.
void GadgetProgram::attach_perf_event(struct bpf_program* prog, const std::string& name) {
  const std::string section = bpf_program__section_name(prog);
  const auto sampler = perf_samplers_.find(name);
  if (sampler == perf_samplers_.end()) {
    throw Error(ErrorCode::InvalidArgument, section + ": gadget.yaml has no programs." + name +
                                                ".perf or .sampler to say what to sample");
  }
  for (auto& fd : open_perf_events(sampler->second)) {
    take_log();
    struct bpf_link* link = bpf_program__attach_perf_event(prog, fd.get());
    if (!link) {
      const int err = errno;
      take_log();
      throw ProgramFailure("attaching " + section + " failed: " + error_text(err),
                           bpf_program__name(prog), section, err, false);
    }
    fd.release();  // the link closes it
    links_.emplace_back(link);
  }
}

std::vector<std::string> GadgetProgram::attach(const std::vector<std::string>& uprobe_roots) {
  std::vector<std::string> notes;
  struct bpf_program* prog;
  bpf_object__for_each_program(prog, object_.get()) {
    if (!bpf_program__autoload(prog)) continue;
    std::string section = bpf_program__section_name(prog);
    auto [kind, target] = split_section(section);
    // Iterators run on demand, socket filters and classifiers are attached per network
    // namespace or interface by the network operator, and this section only keeps helpers in
    // the object.
    if (kind == "iter" || kind == "iter.s" || section == "kprobe/gadget_program_disabled" ||
        bpf_program__type(prog) == BPF_PROG_TYPE_SOCKET_FILTER ||
        bpf_program__type(prog) == BPF_PROG_TYPE_SCHED_CLS)
      continue;
    if (kind == "perf_event") {
      attach_perf_event(prog, target.empty() ? bpf_program__name(prog) : target);
      continue;
    }
    if (const auto probe = library_probe(kind, target)) {
      attach_library_probe(prog, probe->first, probe->second, uprobe_roots, notes);
      continue;
    }
    take_log();
    struct bpf_link* link = bpf_program__attach(prog);
    if (!link) {
      int err = errno;
      take_log();
      throw ProgramFailure("attaching " + section + " failed: " + error_text(err),
                           bpf_program__name(prog), section, err, false);
    }
    links_.emplace_back(link);
  }
  return notes;
}

std::vector<std::string> GadgetProgram::attach_library_probes(const std::string& root) {
  std::vector<std::string> notes;
  struct bpf_program* prog;
  bpf_object__for_each_program(prog, object_.get()) {
    if (!bpf_program__autoload(prog)) continue;
    auto [kind, target] = split_section(bpf_program__section_name(prog));
    if (const auto probe = library_probe(kind, target)) {
      attach_library_probe(prog, probe->first, probe->second, {root}, notes);
    }
  }
  return notes;
}

std::string GadgetProgram::iterator_kind(const std::string& program) const {
  struct bpf_program* prog = bpf_object__find_program_by_name(object_.get(), program.c_str());
  if (!prog) return {};
  auto [kind, target] = split_section(bpf_program__section_name(prog));
  return kind == "iter" || kind == "iter.s" ? target : std::string();
}

namespace {

std::string read_iterator(int link_fd, const std::string& program) {
  const int fd = bpf_iter_create(link_fd);
  if (fd < 0) {
    const int err = errno;
    throw Error(ErrorCode::Kernel, "starting iterator " + program + " failed: " + error_text(err));
  }
  std::string out;
  char buf[16384];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      const int err = errno;
      close(fd);
      if (n < 0) {
        throw Error(ErrorCode::Kernel,
                    "reading iterator " + program + " failed: " + error_text(err));
      }
      return out;
    }
  }
}

}  // namespace

std::string GadgetProgram::run_iterator(const std::string& program, int netns_fd) {
  struct bpf_program* prog = bpf_object__find_program_by_name(object_.get(), program.c_str());
  if (!prog) throw Error(ErrorCode::NotFound, "iterator program " + program + " not in the object");
  const std::string section = bpf_program__section_name(prog);
  take_log();
  // Iterators over a map's elements need a target map; task, file, socket... iterators do not.
  LinkPtr link(bpf_program__attach_iter(prog, nullptr));
  if (!link) {
    const int err = errno;
    throw Error(ErrorCode::Kernel,
                "attaching iterator " + program + " (" + section + ") failed: " + error_text(err));
  }
  if (netns_fd < 0) return read_iterator(bpf_link__fd(link.get()), program);
  // setns() moves only the calling thread: a thread of its own enters the namespace.
  std::string out;
  std::exception_ptr failure;
  std::thread reader([&] {
    try {
      if (setns(netns_fd, CLONE_NEWNET) != 0) {
        throw Error(ErrorCode::Kernel, "entering a network namespace for iterator " + program +
                                           ": " + error_text(errno));
      }
      out = read_iterator(bpf_link__fd(link.get()), program);
    } catch (...) {
      failure = std::current_exception();
    }
  });
  reader.join();
  if (failure) std::rethrow_exception(failure);
  return out;
}

std::string GadgetProgram::drain_map(const std::string& name) {
  struct bpf_map* map = bpf_object__find_map_by_name(object_.get(), name.c_str());
  if (!map) throw Error(ErrorCode::NotFound, "map " + name + " not in the object");
  const int fd = bpf_map__fd(map);
  const size_t key_size = bpf_map__key_size(map);
  const size_t value_size = bpf_map__value_size(map);
  constexpr uint32_t kBatch = 256;
  std::vector<char> keys(key_size * kBatch), values(value_size * kBatch);
  std::vector<char> in_batch(key_size), out_batch(key_size);
  std::string records;
  const auto append = [&](uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) {
      records.append(keys.data() + i * key_size, key_size);
      records.append(values.data() + i * value_size, value_size);
    }
  };
  bool first = true;
  for (;;) {
    uint32_t count = kBatch;
    const int err =
        bpf_map_lookup_and_delete_batch(fd, first ? nullptr : in_batch.data(), out_batch.data(),
                                        keys.data(), values.data(), &count, nullptr);
    const int saved = errno;
    if (err != 0 && saved != ENOENT) {
      if (!first || (saved != EINVAL && saved != ENOTSUP && saved != 524)) {
        throw Error(ErrorCode::Kernel, "reading map " + name + ": " + error_text(saved));
      }
      break;  // no batch operations (before v5.6): one entry at a time below
    }
    append(count);
    if (err != 0) return records;  // ENOENT: that was the last batch
    in_batch = out_batch;
    first = false;
  }
  // Always the first key, since each one found is deleted; stop when one cannot be.
  while (bpf_map_get_next_key(fd, nullptr, keys.data()) == 0 &&
         bpf_map_lookup_elem(fd, keys.data(), values.data()) == 0 &&
         bpf_map_delete_elem(fd, keys.data()) == 0) {
    append(1);
  }
  return records;
}

std::string describe_failure(const ProgramFailure& failure) {
  auto [kind, target] = split_section(failure.section);
  std::string what =
      (failure.at_load ? "load failed: " : "attach failed: ") + error_text(failure.err);
  std::string why;
  if ((kind == "kprobe" || kind == "kretprobe") && !kernel_has_kprobes()) {
    why = "kernel has no kprobe support";
  } else if ((kind == "fentry" || kind == "fexit") &&
             (failure.err == EPERM || failure.err == EOPNOTSUPP || failure.err == 524 ||
              failure.err == EINVAL)) {
    why = "BPF trampolines unavailable";
  } else if ((kind == "fentry" || kind == "fexit") &&
             (failure.err == ESRCH || failure.err == ENOENT)) {
    why = "function not found in kernel BTF";
  } else if ((kind == "tracepoint" || kind == "tp") && !tracefs_mounted()) {
    why = "tracefs is not mounted";
  } else if ((kind == "tracepoint" || kind == "tp") && !tracepoint_exists(target)) {
    why = "no such tracepoint in this kernel";
  } else if (!failure.at_load && failure.err == EOPNOTSUPP) {
    why = "this program type cannot be attached automatically";
  }
  return why.empty() ? what : why + " (" + what + ")";
}

}  // namespace ig::runner
