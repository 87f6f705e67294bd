// `ig run --remote-address ADDRESS IMAGE`: the gadget runs in the daemon at ADDRESS (ours or
// upstream's); its events print here with the local -o and --fields, as a local run prints
// them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "daemon/gadget_service.pb.h"
#include "runner/run.hpp"

namespace ig::daemon {

// The run request for `options`: the gadget's flags as args, the daemon-side operators' flags
// under upstream's param keys.
api::GadgetRunRequest run_request(const runner::RunOptions& options);

struct RemoteOptions {
  // unix:///path or tcp://host:port; several: one run on each daemon, events merged.
  std::vector<std::string> addresses;
  // TLS with a client certificate (all three files, as upstream's client), else none.
  std::string tls_key_file;
  std::string tls_cert_file;
  std::string tls_server_ca_file;
  std::string tls_server_name;  // instead of the address's host
};

// Runs until the daemon ends the run (timeout, error) or SIGINT/SIGTERM asks it to stop.
// Throws Error for an unreachable daemon or the error the daemon ended the run with.
int run_remote(const runner::RunOptions& options, const RemoteOptions& remote);

}  // namespace ig::daemon
