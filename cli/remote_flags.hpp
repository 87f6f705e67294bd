// The flags that name a daemon and the TLS to reach it with (upstream's grpc runtime params),
// shared by `ig run` and the instance verbs.
#pragma once

#include <CLI/CLI.hpp>

#include "daemon/remote_run.hpp"

namespace ig::cli {

inline void add_remote_flags(CLI::App& cmd, daemon::RemoteOptions& remote, bool several) {
  cmd.add_option("--remote-address", remote.addresses,
                 several ? "Run the gadget in the ig daemon at this address (unix:///path or "
                           "tcp://host:port) and print its events here; several (repeated or comma "
                           "separated): one run on each, events merged with a k8s.node column"
                         : "Address of the ig daemon (unix:///path or tcp://host:port)")
      ->delimiter(',')
      ->allow_extra_args(false);  // one value per flag: IMAGE may follow
  cmd.add_option("--tls-key-file", remote.tls_key_file, "TLS client key");
  cmd.add_option("--tls-cert-file", remote.tls_cert_file, "TLS client certificate");
  cmd.add_option("--tls-server-ca-file", remote.tls_server_ca_file, "TLS server CA certificate");
  cmd.add_option("--tls-server-name", remote.tls_server_name,
                 "override TLS server name (if omitted, using target server name)");
}

}  // namespace ig::cli
