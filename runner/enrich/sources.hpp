// Where containers are discovered: engines' APIs and the state files runtimes leave on disk.
// Each source lists the containers running now; the cache merges them by mount namespace.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runner/enrich/container.hpp"
#include "runner/enrich/cri/pod_labels.hpp"

namespace ig::runner::enrich {

class ContainerSource {
 public:
  virtual ~ContainerSource() = default;
  // "docker (/run/docker.sock)": names the source in warnings.
  virtual std::string describe() const = 0;
  // Lower rank wins when two sources report the same mount namespace (engines know names,
  // runtime state dirs do not).
  virtual int rank() const = 0;
  // Containers running now. Throws Error naming the source when it cannot be read at all;
  // a single container that cannot be resolved is skipped and reported through `warn`.
  virtual std::vector<Container> list(const std::function<void(const std::string&)>& warn) = 0;
  // False when the source's endpoint does not exist (an engine that is not installed): no
  // warning is due unless the user asked for that endpoint explicitly.
  virtual bool present() const = 0;
};

// The Docker Engine API over a unix socket (docker, or podman's compatible service).
// `runtime` is the runtimeName reported for its containers.
std::unique_ptr<ContainerSource> make_docker_api_source(const std::string& runtime,
                                                        const std::string& socket_path);

// containerd's v2 task state: <root>/io.containerd.runtime.v2.task/<namespace>/<id>/{init.pid,
// config.json}, of namespace `only_namespace` or, when empty, of all. The container id is its
// name unless an annotation gives one. Pods' sandboxes are marked (Container::pod_sandbox);
// `pod_labels` (may be null) gives the labels of the pods of CRI-made containers.
std::unique_ptr<ContainerSource> make_containerd_state_source(const std::string& state_root,
                                                              const std::string& only_namespace,
                                                              std::shared_ptr<CriPodLabels> pod_labels);

// An OCI runtime's state directory: runc (<root>/<id>/state.json) or crun (<root>/<id>/status).
// Names come from annotations in the bundle's config.json, else the id; sandboxes and pod
// labels as for containerd.
std::unique_ptr<ContainerSource> make_oci_state_source(const std::string& runtime,
                                                       const std::string& root,
                                                       std::shared_ptr<CriPodLabels> pod_labels);

// The container name an OCI config.json's annotations give (Kubernetes, nerdctl, podman), or "".
std::string name_from_annotations(const std::string& config_json_text);
// The k8s.* metadata in an OCI config.json's annotations (containerd's CRI plugin, CRI-O).
void kubernetes_from_config(const std::string& config_json_text, KubernetesMetadata& k8s);

}  // namespace ig::runner::enrich
