// What the runner knows about one container: the values of the runtime.* fields and the mount
// namespace that ties kernel events to it (spec ig-compat.md §4.3, §4.6).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ig::runner::enrich {

// The k8s.* fields of a container Kubernetes made: from the labels kubelet gives containers
// (io.kubernetes.pod.namespace, ...) or the OCI annotations containerd's CRI plugin and CRI-O
// write (io.kubernetes.cri.sandbox-namespace, ...). Empty for other containers.
struct KubernetesMetadata {
  std::string namespace_name;
  std::string pod_name;
  std::string pod_uid;
  std::string container_name;
  // The pod's own labels: those of its sandbox, without the ones kubelet adds.
  std::map<std::string, std::string> pod_labels;
  // k8s.podLabels as events print it, joined once by the container cache (not per event).
  std::string pod_labels_text;
};

// k8s.podLabels as upstream prints it: key=value pairs joined by commas (here in key order).
std::string join_pod_labels(const std::map<std::string, std::string>& labels);

// The sandbox labels that are the pod's own: kubelet's io.kubernetes.pod.* and container keys
// and cri-dockerd's bookkeeping (io.kubernetes.docker.type, annotation.*) are left out.
std::map<std::string, std::string> pod_labels_of_sandbox(const std::map<std::string, std::string>& labels);

struct Container {
  std::string id;
  std::string name;
  std::string runtime;       // "docker", "podman", "containerd", "runc", "crun"
  std::string image;         // image name as the engine reports it, may be empty
  std::string image_digest;  // may be empty
  uint32_t pid = 0;          // init process (host pid namespace)
  uint64_t mntns = 0;        // inode of /proc/<pid>/ns/mnt
  uint64_t netns = 0;        // inode of /proc/<pid>/ns/net: packets without an owner map to it
  KubernetesMetadata k8s;
  // A pod's sandbox (pause container): listed so that it outranks what a runtime's state dir
  // says of it, but no workload: never looked up, listed or announced (upstream leaves it out
  // too, or a pod's network namespace would look shared with it).
  bool pod_sandbox = false;
};

// Fills `k8s` from labels or annotations (any of the keys kubelet, containerd's CRI plugin and
// CRI-O use); `value(key)` returns "" for an absent key.
void read_kubernetes_metadata(const std::function<std::string(const char* key)>& value,
                              KubernetesMetadata& k8s);

// `-c/--containername` semantics: a comma list of names; `!name` excludes. With only exclusions
// every other container matches.
class NameSelector {
 public:
  NameSelector() = default;
  explicit NameSelector(const std::vector<std::string>& entries);
  bool empty() const { return include_.empty() && exclude_.empty(); }
  bool matches(const std::string& name) const;

 private:
  std::vector<std::string> include_;
  std::vector<std::string> exclude_;
};

// `--k8s-selector key=value,...` semantics (upstream's): a pod carries every `key=value`
// and none of the `!key=value` entries. Throws Error(InvalidArgument) for an entry without '='.
class LabelSelector {
 public:
  LabelSelector() = default;
  explicit LabelSelector(const std::vector<std::string>& entries);
  bool empty() const { return entries_.empty(); }
  bool matches(const std::map<std::string, std::string>& labels) const;

 private:
  struct Entry {
    std::string key, value;
    bool exclude = false;
  };
  std::vector<Entry> entries_;
};

// The selection of -c and --k8s-namespace, --k8s-podname, --k8s-containername,
// --k8s-selector: a container is selected when every given list takes it.
struct ContainerSelection {
  std::vector<std::string> names, namespaces, pod_names, k8s_container_names, pod_labels;
};

class ContainerSelector {
 public:
  ContainerSelector() = default;
  explicit ContainerSelector(const ContainerSelection& selection)
      : names_(selection.names),
        namespaces_(selection.namespaces),
        pod_names_(selection.pod_names),
        k8s_container_names_(selection.k8s_container_names),
        pod_labels_(selection.pod_labels) {}
  bool empty() const {
    return names_.empty() && namespaces_.empty() && pod_names_.empty() &&
           k8s_container_names_.empty() && pod_labels_.empty();
  }
  bool matches(const Container& c) const {
    return names_.matches(c.name) && namespaces_.matches(c.k8s.namespace_name) &&
           pod_names_.matches(c.k8s.pod_name) && k8s_container_names_.matches(c.k8s.container_name) &&
           pod_labels_.matches(c.k8s.pod_labels);
  }

 private:
  NameSelector names_, namespaces_, pod_names_, k8s_container_names_;
  LabelSelector pod_labels_;
};

// Mount (network) namespace inode of a process, 0 if it is gone or unreadable.
uint64_t mntns_of(uint32_t pid);
uint64_t netns_of(uint32_t pid);

}  // namespace ig::runner::enrich
