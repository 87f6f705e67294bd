// `ig daemon`: upstream's gadget service (BuiltInGadgetManager, GadgetManager). Each RunGadget
// call hosts one gadget instance of the runner, whose rows stream to the caller as upstream's
// GadgetEvents; the caller's stop request, its going away and the daemon's shutdown end it.
#pragma once

#include <map>
#include <string>

#include "daemon/gadget_service.pb.h"
#include "oci/layout_store.hpp"
#include "runner/run.hpp"

namespace ig::daemon {

// Upstream's default: unix:///var/run/ig/ig.socket.
extern const char* const kDefaultAddress;

struct DaemonOptions {
  std::string address = kDefaultAddress;  // -H: unix:///path or tcp://host:port
  std::string group = "0";                // owner group of a unix socket (name or id)
  std::string node_name;  // in every event; default: $NODE_NAME (a DaemonSet's), else the host name
  // TCP takes TLS with client certificates (all three files) or, explicitly, no TLS.
  std::string tls_key_file;
  std::string tls_cert_file;
  std::string tls_client_ca_file;
  bool tls_insecure = false;
  // Where gadget instances are stored, to be re-created when the daemon starts.
  std::string instances_dir = "/var/lib/ig/instances";
  // The daemon's own flags for every run (pull policy, verification keys, allowed gadgets,
  // insecure registries, container runtimes); a request's params override the pull policy
  // and verification, as for upstream's daemon.
  runner::RunOptions defaults;
};

// The options of one run: the daemon's, then the request's params (upstream's keys, e.g.
// "operator.oci.ebpf.NAME", "operator.filter.filter") and args. Throws Error(InvalidArgument)
// naming a param the daemon cannot apply.
runner::RunOptions request_options(const runner::RunOptions& defaults, const api::GadgetRunRequest& request);

// $NODE_NAME, else the host name.
std::string default_node_name();

// Serves until SIGINT or SIGTERM. Throws Error for an address it cannot listen on.
void serve(const DaemonOptions& options, oci::LayoutStore& store);

}  // namespace ig::daemon
