#include "cli/container_flags.hpp"

namespace ig::cli {

void add_container_source_flags(CLI::App& cmd, runner::enrich::SourceOptions& sources,
                                Configuration& config) {
  const auto bind = [&](CLI::Option* option) {
    config.bind(cmd, option, "operator.localmanager." + option->get_lnames().front());
  };
  // A socket the user named (flag, environment or config file) earns a warning when missing.
  const auto socket = [&](const std::string& flag, std::string& path, const std::string& what) {
    bind(cmd.add_option(flag, path, what)
             ->capture_default_str()
             ->each([&sources](const std::string& given) { sources.explicit_paths.insert(given); }));
  };
  bind(cmd.add_option("-r,--runtimes", sources.runtimes,
                      "Container runtimes to query: docker, containerd, cri-o, podman")
           ->delimiter(',')
           ->capture_default_str());
  socket("--docker-socketpath", sources.docker_socket, "Docker Engine API socket");
  socket("--containerd-socketpath", sources.containerd_socket,
         "containerd socket; its directory holds the task state read by ig");
  socket("--podman-socketpath", sources.podman_socket, "Podman API socket");
  socket("--crio-socketpath", sources.crio_socket, "CRI-O socket");
  bind(cmd.add_option("--containerd-namespace", sources.containerd_namespace,
                      "Only containerd containers of this namespace (default: every namespace; "
                      "upstream ig reads only k8s.io unless told)"));
}

}  // namespace ig::cli
