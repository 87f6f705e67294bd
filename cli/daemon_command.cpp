// `ig daemon`: serves upstream's gadget-service API (flags and defaults as upstream's).
#include "cli/commands.hpp"
#include "cli/container_flags.hpp"
#include "daemon/service.hpp"
#include "oci/layout_store.hpp"

namespace ig::cli {

void add_daemon_command(CLI::App& app, Configuration& config) {
  auto* cmd = app.add_subcommand("daemon", "Run ig as a daemon serving gadget runs to remote clients");
  auto options = std::make_shared<daemon::DaemonOptions>();
  config.add_global_flags(*cmd);
  cmd->add_option("-H,--host", options->address,
                  "The socket to listen on for new requests. Can be a unix socket "
                  "(unix:///path/to.socket) or a tcp socket (tcp://127.0.0.1:1234)")
      ->capture_default_str();
  cmd->add_option("-G,--group", options->group,
                  "Group name or id that the unix socket should use")
      ->capture_default_str();
  options->node_name = daemon::default_node_name();
  cmd->add_option("--node-name", options->node_name,
                  "Name of this node in every event (k8s.node of a client's merged run)")
      ->capture_default_str();
  cmd->add_option("--tls-key-file", options->tls_key_file, "Path to TLS key file");
  cmd->add_option("--tls-cert-file", options->tls_cert_file, "Path to TLS cert file");
  cmd->add_option("--tls-client-ca-file", options->tls_client_ca_file,
                  "Path to CA certificate for client validation");
  cmd->add_flag("--tls-insecure", options->tls_insecure,
                "Allow insecure connections from clients (no certificate validation)");
  // The oci operator's flags, for every run the daemon makes.
  runner::RunOptions& defaults = options->defaults;
  const auto oci = [&](CLI::Option* option) {
    config.bind(*cmd, option, "operator.oci." + option->get_lnames().front());
  };
  oci(cmd->add_option("--verify-image", defaults.verify_image,
                      "Verify image signatures, unless a run request says otherwise")
          ->capture_default_str()
          ->expected(0, 1)
          ->default_str("true"));
  oci(cmd->add_option("--public-keys", defaults.public_keys, "Public keys used to verify images")
          ->delimiter(','));
  oci(cmd->add_option("--allowed-gadgets", defaults.allowed_gadgets, "Gadgets allowed to run")
          ->delimiter(','));
  oci(cmd->add_option("--insecure-registries", defaults.insecure_registries,
                      "Registries reached over plain HTTP")
          ->delimiter(','));
  oci(cmd->add_option("--authfile", defaults.authfile, "Path of the registry credentials file"));
  add_container_source_flags(*cmd, defaults.containers, config);
  cmd->callback([options] {
    oci::LayoutStore store(oci::LayoutStore::default_path());
    daemon::serve(*options, store);
  });
}

}  // namespace ig::cli
