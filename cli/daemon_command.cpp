// `ig daemon`: serves upstream's gadget-service API (flags and defaults as upstream's).
#include "cli/commands.hpp"
#include "cli/container_flags.hpp"
#include "cli/remote_flags.hpp"
#include "daemon/instance_client.hpp"
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
  cmd->add_option("--instances-dir", options->instances_dir,
                  "Where gadget instances are stored, to be re-created when the daemon starts")
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

// `ig list`, `ig attach ID`, `ig delete ID`: gadget instances of one daemon.
void add_instance_commands(CLI::App& app) {
  auto remote = std::make_shared<daemon::RemoteOptions>();
  auto* list = app.add_subcommand("list", "List the gadget instances of an ig daemon");
  add_remote_flags(*list, *remote, false);
  auto list_output = std::make_shared<std::string>("columns");
  list->add_option("-o,--output", *list_output, "Output mode: columns, json")
      ->check(CLI::IsMember({"columns", "json"}))
      ->capture_default_str();
  list->callback([remote, list_output] {
    std::cout << daemon::format_instances(daemon::list_instances(*remote), *list_output == "json");
  });

  auto id = std::make_shared<std::string>();
  auto* attach = app.add_subcommand("attach", "Print the events of a gadget instance of an ig daemon");
  add_remote_flags(*attach, *remote, false);
  attach->add_option("ID", *id, "Gadget instance id")->required();
  auto output = std::make_shared<runner::RunOptions>();
  attach->add_option("-o,--output", output->output, "Output mode: columns, json, jsonpretty, yaml")
      ->delimiter(',')
      ->default_str("columns");
  attach->add_option("--fields", output->fields, "Fields to print (a,b; +a to add, -a to remove)");
  attach->callback([remote, id, output] { daemon::attach_instance(*output, *remote, *id); });

  auto* remove = app.add_subcommand("delete", "Stop and remove a gadget instance of an ig daemon");
  add_remote_flags(*remove, *remote, false);
  remove->add_option("ID", *id, "Gadget instance id")->required();
  remove->callback([remote, id] {
    daemon::remove_instance(*remote, *id);
    std::cout << *id << "\n";
  });
}

}  // namespace ig::cli
