#include "runner/run.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <sstream>

#include "runner/instance/instance.hpp"
#include "runner/instance/sink.hpp"
#include "runner/network/tc_attach.hpp"
#include "runner/params.hpp"
#include "runner/pipeline.hpp"
#include "runner/stats/operator_settings.hpp"
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

}  // namespace

size_t stdout_terminal_width() {
  struct winsize size = {};
  if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

// The foreground instance of `ig run`: stdout and stderr are its sink.
int run(const RunOptions& options, oci::LayoutStore& store) {
  RunOptions foreground = options;
  foreground.terminal_width = stdout_terminal_width();
  FileSink sink(stdout, stderr);
  GadgetInstance instance(foreground, store, sink);
  StopSignals signals;
  instance.run([&signals] { return signals.stopped(); });
  return 0;
}

std::string describe_gadget(const RunOptions& options, oci::LayoutStore& store) {
  PreparedGadget g = prepare_gadget(options, store, warn);
  std::ostringstream out;
  out << "Gadget flags of " << g.image.reference.str() << ":\n";
  const auto custom = stats::custom_params(g.image.metadata_yaml);
  if (g.params.empty() && custom.empty()) out << "  (none)\n";
  for (const auto& param : custom) {
    out << "  --" << param.key << " string";
    if (!param.description.empty()) out << "  " << param.description;
    out << " (default \"" << param.default_value << "\")\n";
  }
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
    // The runner's own flags of map-iterator gadgets; gadget_flags() lists them too.
    out << "  --map-fetch-interval string  Interval in which to iterate over maps "
           "(default \"1000ms\")\n"
           "  --map-fetch-count int  Number of map fetch cycles, 0 for unlimited (default "
           "\"0\")\n";
  }
  for (const auto& [flag, description] : network::classifier_flags(g.spec.get())) {
    out << "  --" << flag << " string  " << description << " (default \"\")\n";
  }
  const struct btf* btf = bpf_object__btf(g.spec.get());
  StringSink unused;
  const auto describe = [&](const std::string& name, const std::vector<std::string>& structs) {
    EventPipeline pipeline(btf, name, structs, datasource_metadata(g.meta, name),
                           output_options_for(name, options), unused);
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

std::vector<std::string> gadget_flags(const RunOptions& options, oci::LayoutStore& store) {
  RunOptions local = options;
  local.pull = "never";
  local.verify_image = false;
  PreparedGadget g = prepare_gadget(local, store, [](const std::string&) {});
  std::vector<std::string> flags;
  for (const auto& param : g.params) flags.push_back("--" + param.key);
  for (const auto& param : stats::custom_params(g.image.metadata_yaml)) flags.push_back("--" + param.key);
  if (!g.markers.map_iters.empty()) {
    flags.insert(flags.end(), {"--map-fetch-interval", "--map-fetch-count"});
  }
  for (const auto& flag : network::classifier_flags(g.spec.get())) flags.push_back("--" + flag.first);
  return flags;
}

}  // namespace ig::runner
