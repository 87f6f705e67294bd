// `ig run`: image -> object + metadata -> loaded program -> raw events -> typed fields ->
// operators -> output.
#pragma once

#include <string>
#include <vector>

#include "oci/layout_store.hpp"
#include "runner/enrich/container_cache.hpp"

namespace ig::runner {

struct RunOptions {
  std::string image;                     // as typed by the user
  std::vector<std::string> output;       // -o, e.g. "columns", "json", "ds:jsonpretty"
  std::vector<std::string> fields;       // --fields
  int timeout_seconds = 0;               // 0 = until SIGINT/SIGTERM
  std::vector<std::string> gadget_args;  // remaining "--name value" pairs: gadget params
  std::string pull = "missing";          // always|missing|never
  bool verify_image = true;
  std::vector<std::string> public_keys;
  std::vector<std::string> allowed_gadgets;
  std::vector<std::string> insecure_registries;
  std::string authfile;
  bool host = false;
  std::vector<std::string> container_names;  // -c: names, "!name" excludes
  // --k8s-namespace, --k8s-podname, --k8s-containername: as -c, on the k8s.* metadata.
  std::vector<std::string> k8s_namespaces;
  std::vector<std::string> k8s_pod_names;
  std::vector<std::string> k8s_selector;  // key=value pod labels (upstream's --k8s-selector)
  std::vector<std::string> k8s_container_names;
  std::string node_name;  // k8s.node of every event (the daemon's --node-name); "" locally
  std::string filter;                        // -F: "field<op>value,..."
  std::vector<std::string> annotate;         // --annotate: "ds[.field]:key=value,..."
  std::string sort;                          // --sort: "field,-field" or "ds:f,-g;ds2:h"
  std::string max_entries = "-1";            // --max-entries: "N" or "ds:N,ds2:M"; -1 = all
  size_t terminal_width = 0;                 // columns fill a terminal this wide; 0: none
  enrich::SourceOptions containers;  // -r and the runtime socket flags
  // Upstream's otel-metrics operator: serve metrics.collect data sources as Prometheus text.
  bool otel_metrics_listen = false;
  std::string otel_metrics_listen_address = "0.0.0.0:2224";
  std::vector<std::string> otel_metrics_name;  // "name" or "ds:name": the otel scope
};

// Runs the gadget until timeout or signal. Returns the process exit code; throws ig::Error
// for failures that should be reported as one line.
int run(const RunOptions& options, oci::LayoutStore& store);

// Columns of the terminal on stdout; 0 when stdout is not one.
size_t stdout_terminal_width();

// Help text for the gadget's own flags (params) and output fields, shown by
// `ig run IMAGE --help`.
std::string describe_gadget(const RunOptions& options, oci::LayoutStore& store);

// The gadget's own flags as "--name", for shell completion: read from the local store only
// (never pulled, not verified: nothing runs). Throws Error when the image is not there.
std::vector<std::string> gadget_flags(const RunOptions& options, oci::LayoutStore& store);

}  // namespace ig::runner
