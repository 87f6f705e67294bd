// A gadget instance: one run of one image, made of gadget operators in a declared order and
// writing to a sink. `ig run` hosts one in the foreground; a daemon can host several.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "metadata/btf_markers.hpp"
#include "metadata/gadget_metadata.hpp"
#include "runner/enrich/container.hpp"
#include "runner/fields/synthetic_btf.hpp"
#include "oci/layout_store.hpp"
#include "runner/image.hpp"
#include "runner/instance/gadget_operator.hpp"
#include "runner/params.hpp"
#include "runner/pipeline.hpp"
#include "runner/program.hpp"
#include "runner/run.hpp"
#include "util/unique_fd.hpp"

namespace ig::runner {

class Sink;

// What is known of a gadget before it is loaded: the image, its metadata, and an opened but
// never loaded copy of the object whose BTF decodes events for the whole run.
struct PreparedGadget {
  GadgetImage image;
  std::string object_name;
  metadata::GadgetMetadata meta;
  ObjectPtr spec;  // null for an image without an eBPF layer
  metadata::GadgetMarkers markers;
  std::vector<GadgetParam> params;
  // BTF of the data sources operators fill (operator-only images); lives as long as they do.
  std::vector<fields::BtfPtr> operator_btfs;
  // gadget.yaml's params.custom values ("custom.KEY"), from the flags or their defaults.
  std::map<std::string, std::string> custom_values;
};

// Acquires the image (pull policy, verification) and reads it. Throws Error.
PreparedGadget prepare_gadget(const RunOptions& options, oci::LayoutStore& store,
                              const std::function<void(const std::string&)>& warn);

// The data source `name` of the gadget's metadata, or null.
const metadata::DataSourceMetadata* datasource_metadata(const metadata::GadgetMetadata& meta,
                                                        const std::string& name);

// The -o, --fields and -F options that apply to data source `ds`.
OutputOptions output_options_for(const std::string& ds, const RunOptions& options);

class GadgetInstance {
 public:
  // Instantiates every operator; throws Error for a bad image or flag.
  GadgetInstance(const RunOptions& options, oci::LayoutStore& store, Sink& sink);
  ~GadgetInstance();
  GadgetInstance(const GadgetInstance&) = delete;
  GadgetInstance& operator=(const GadgetInstance&) = delete;

  // Starts the operators and runs until `stopped()`, the timeout, or no work is left; then
  // stops them. Throws Error when a stage fails.
  void run(const std::function<bool()>& stopped);

  // Shared state, for the operators.
  const RunOptions& options() const { return options_; }
  oci::LayoutStore& store() { return store_; }
  Sink& sink() { return sink_; }
  void warn(const std::string& line);
  PreparedGadget& gadget() { return gadget_; }
  // Gadget flags not taken yet; the eBPF operator parses what is left as params.
  std::vector<std::string>& gadget_args() { return gadget_args_; }
  std::vector<std::unique_ptr<EventPipeline>>& datasources() { return datasources_; }
  // Filled by the operators at each load; handed to every data source.
  EventEnrichers& enrichers() { return enrichers_; }
  // Network namespaces to read socket iterators in (set by the containers operator).
  std::function<std::vector<UniqueFd>()> network_namespaces;
  // Calls a callback for each container the selection takes in from now on (on the
  // container watcher's thread); set by the containers operator.
  using ContainerCallback = std::function<void(const enrich::Container&)>;
  std::function<void(ContainerCallback)> on_selected_container;
  // The BTF the eBPF operator's CO-RE relocations resolve against, when an operator extends
  // the kernel's (the network operator: the socket enricher's types); "" for the kernel's.
  std::string core_btf_path;
  // Root file systems whose libraries uprobes attach to ("/" with --host, "/proc/PID/root"
  // of each selected container; set by the containers operator).
  std::function<std::vector<std::string>()> process_roots;

  // The eBPF operator reports its load attempts to every operator through these.
  void configure(GadgetProgram& program);
  void loaded(GadgetProgram& program);
  void unloaded();
  // For images without an eBPF program: the enrichers, once, before the operators emit.
  void enrich_without_program();

 private:
  GadgetOperator::Clock::time_point tick_all();
  bool has_work() const;
  void wait(int timeout_ms);

  const RunOptions& options_;
  oci::LayoutStore& store_;
  Sink& sink_;
  PreparedGadget gadget_;
  std::vector<std::string> gadget_args_;
  std::vector<std::unique_ptr<EventPipeline>> datasources_;
  EventEnrichers enrichers_;
  std::vector<std::unique_ptr<GadgetOperator>> operators_;  // the declared order
};

}  // namespace ig::runner
