// `ig run IMAGE [flags] [gadget params]`. Flags of later features are accepted with upstream's
// names and defaults so scripts keep working as the features land.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/container_flags.hpp"
#include "cli/remote_flags.hpp"
#include "daemon/instance_client.hpp"
#include "daemon/remote_run.hpp"
#include "oci/layout_store.hpp"
#include "runner/enrich/container.hpp"
#include "runner/run.hpp"

namespace ig::cli {

void add_run_command(CLI::App& app, Configuration& config) {
  auto* cmd = app.add_subcommand("run", "Run a gadget");
  auto options = std::make_shared<runner::RunOptions>();
  auto help = std::make_shared<bool>(false);
  auto remote = std::make_shared<daemon::RemoteOptions>();
  // Gadget params are only known once the image is read, so unknown flags are collected and
  // handed to the runner, which checks them against the gadget.
  cmd->allow_extras();
  cmd->fallthrough(false);  // gadget flags must reach the runner, not the parent commands
  cmd->set_help_flag();
  config.add_global_flags(*cmd);
  const auto oci = [&](CLI::Option* option) {
    config.bind(*cmd, option, "operator.oci." + option->get_lnames().front());
  };
  cmd->add_flag("-h,--help", *help, "Show help, including the gadget's flags when IMAGE is given");

  cmd->add_option("IMAGE", options->image, "Gadget image to run");
  add_remote_flags(*cmd, *remote, true);
  auto detach = std::make_shared<bool>(false);
  auto name = std::make_shared<std::string>();
  auto tags = std::make_shared<std::vector<std::string>>();
  cmd->add_flag("--detach", *detach,
                "Create a gadget instance in the daemon (--remote-address) and print its id; "
                "the gadget runs until `ig delete ID`, also across daemon restarts");
  cmd->add_option("--name", *name, "Name of the gadget instance (--detach)");
  cmd->add_option("--tags", *tags, "Tags of the gadget instance (--detach)")->delimiter(',')->allow_extra_args(false);
  // Not a configuration key upstream (its cli operator has no global flags); ours.
  config.bind(*cmd,
              cmd->add_option("-o,--output", options->output,
                              "Output mode: columns, json, jsonpretty, yaml, pcap-ng, none (or ds:mode,...)")
                  ->delimiter(',')
                  ->default_str("columns"),
              "operator.cli.output");
  cmd->add_option("--fields", options->fields, "Fields to print (a,b; +a to add, -a to remove)");
  cmd->add_option("-t,--timeout", options->timeout_seconds,
                  "Number of seconds to run the gadget for (0 = until interrupted)")
      ->capture_default_str();
  oci(cmd->add_option("--pull", options->pull, "Pull policy: always, missing, never")
      ->check(CLI::IsMember({"always", "missing", "never"}))
      ->capture_default_str());
  oci(cmd->add_option("--verify-image", options->verify_image, "Verify the image signature")
      ->capture_default_str()
      ->expected(0, 1)
      ->default_str("true"));
  oci(cmd->add_option("--public-keys", options->public_keys, "Public keys used to verify images")
      ->delimiter(','));
  oci(cmd->add_option("--allowed-gadgets", options->allowed_gadgets, "Gadgets allowed to run")
      ->delimiter(','));
  oci(cmd->add_option("--insecure-registries", options->insecure_registries,
                  "Registries reached over plain HTTP")
      ->delimiter(','));
  oci(cmd->add_option("--authfile", options->authfile, "Path of the registry credentials file"));
  cmd->add_flag("--host", options->host, "Show data from the host and all containers");
  cmd->add_option("--annotate", options->annotate,
                  "Annotations over gadget.yaml's: datasource[.field]:key=value,...");
  cmd->add_option("-F,--filter", options->filter,
                  "Keep events matching every rule: field<op>value,... with op ==, !=, <, <=, >, "
                  ">=, ~ (regular expression), !~");
  cmd->add_option("--sort", options->sort,
                  "Sort by fields. Join multiple fields with ','. Prefix a field with '-' to sort "
                  "in descending order. If using multiple data sources, prefix fields with "
                  "'datasourcename:' and separate with ';'");
  cmd->add_option("--max-entries", options->max_entries,
                  "The maximum number of entries for each batch of data. If using multiple array "
                  "data sources, prefix the value with 'datasourcename:' and separate with ','. "
                  "Use -1 to disable the limiter")
      ->capture_default_str();
  cmd->add_option("-c,--containername", options->container_names,
                  "Show only data from containers with these names")
      ->delimiter(',');
  cmd->add_option("--k8s-namespace", options->k8s_namespaces,
                  "Show only data from pods in these Kubernetes namespaces")
      ->delimiter(',')
      ->allow_extra_args(false);
  cmd->add_option("--k8s-podname", options->k8s_pod_names, "Show only data from pods with these names")
      ->delimiter(',')
      ->allow_extra_args(false);
  cmd->add_option("--k8s-selector", options->k8s_selector,
                  "Show only data from pods with these labels: key=value, !key=value excludes")
      ->delimiter(',')
      ->allow_extra_args(false);
  cmd->add_option("--k8s-containername", options->k8s_container_names,
                  "Show only data from containers with these Kubernetes container names")
      ->delimiter(',')
      ->allow_extra_args(false);
  add_container_source_flags(*cmd, options->containers, config);
  const auto metrics = [&](CLI::Option* option) {
    config.bind(*cmd, option, "operator.otel-metrics." + option->get_lnames().front());
  };
  metrics(cmd->add_flag("--otel-metrics-listen", options->otel_metrics_listen,
                        "Enable OpenTelemetry metrics listener (Prometheus compatible) endpoint"));
  metrics(cmd->add_option("--otel-metrics-listen-address", options->otel_metrics_listen_address,
                          "Address and port to create the OpenTelemetry metrics listener (Prometheus "
                          "compatible) on")
              ->capture_default_str());
  cmd->add_option("--otel-metrics-name", options->otel_metrics_name,
                  "Name (otel scope) of the exported data source's metrics; datasource:name, comma "
                  "separated for several")
      ->delimiter(',');

  cmd->callback([cmd, options, help, remote, detach, name, tags] {
    options->gadget_args = cmd->remaining();
    if (*help) {
      std::cout << cmd->help();
      if (!options->image.empty()) {
        oci::LayoutStore store(oci::LayoutStore::default_path());
        std::cout << "\n" << runner::describe_gadget(*options, store);
      }
      return;
    }
    if (options->image.empty()) throw CLI::RequiredError("IMAGE");
    runner::enrich::LabelSelector{options->k8s_selector};  // a bad entry fails before any pull
    if (*detach) {
      if (remote->addresses.empty()) throw CLI::ValidationError("--detach", "needs --remote-address");
      std::cout << daemon::create_instance(*options, *remote, *name, *tags).id() << "\n";
      return;
    }
    if (!remote->addresses.empty()) {
      daemon::run_remote(*options, *remote);
      return;
    }
    oci::LayoutStore store(oci::LayoutStore::default_path());
    int code = runner::run(*options, store);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace ig::cli
