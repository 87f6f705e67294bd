// `ig run --remote-address ADDRESS IMAGE`: the gadget runs in the daemon at ADDRESS (ours or
// upstream's); its events print here with the local -o and --fields, as a local run prints
// them.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/gadget_service.pb.h"
#include "runner/run.hpp"

namespace grpc {
class Channel;
}

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

// A channel to the daemon at `address`, once it answers (upstream's 5 s). Throws Error.
std::shared_ptr<grpc::Channel> connect(const RemoteOptions& remote, const std::string& address);

// Starts a RunGadget call on every daemon of `remote` with `start` (a run or an attach
// request) and prints their events until the calls end or a signal stops them.
int run_on_daemons(const runner::RunOptions& options, const RemoteOptions& remote,
                   const api::GadgetControlRequest& start);

// Runs until the daemon ends the run (timeout, error) or SIGINT/SIGTERM asks it to stop.
// Throws Error for an unreachable daemon or the error the daemon ended the run with.
int run_remote(const runner::RunOptions& options, const RemoteOptions& remote);

}  // namespace ig::daemon
