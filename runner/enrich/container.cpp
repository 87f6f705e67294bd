#include "runner/enrich/container.hpp"

#include <set>

#include "util/error.hpp"

namespace ig::runner::enrich {

NameSelector::NameSelector(const std::vector<std::string>& entries) {
  for (const auto& entry : entries) {
    if (entry.empty()) continue;
    if (entry[0] == '!') {
      if (entry.size() > 1) exclude_.push_back(entry.substr(1));
    } else {
      include_.push_back(entry);
    }
  }
}

bool NameSelector::matches(const std::string& name) const {
  for (const auto& e : exclude_) {
    if (e == name) return false;
  }
  if (include_.empty()) return true;
  for (const auto& i : include_) {
    if (i == name) return true;
  }
  return false;
}

LabelSelector::LabelSelector(const std::vector<std::string>& entries) {
  for (const auto& entry : entries) {
    if (entry.empty()) continue;
    Entry e;
    e.exclude = entry[0] == '!';
    const std::string pair = e.exclude ? entry.substr(1) : entry;
    const size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error(ErrorCode::InvalidArgument, "--k8s-selector " + entry + ": expected key=value");
    }
    e.key = pair.substr(0, eq);
    e.value = pair.substr(eq + 1);
    entries_.push_back(std::move(e));
  }
}

bool LabelSelector::matches(const std::map<std::string, std::string>& labels) const {
  for (const auto& e : entries_) {
    const auto it = labels.find(e.key);
    const bool carries = it != labels.end() && it->second == e.value;
    if (carries == e.exclude) return false;
  }
  return true;
}

std::string join_pod_labels(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (const auto& [key, value] : labels) out += (out.empty() ? "" : ",") + key + "=" + value;
  return out;
}

std::map<std::string, std::string> pod_labels_of_sandbox(const std::map<std::string, std::string>& labels) {
  static const std::set<std::string> kubelet_keys = {
      "io.kubernetes.pod.name", "io.kubernetes.pod.namespace", "io.kubernetes.pod.uid",
      "io.kubernetes.container.name", "io.kubernetes.docker.type"};
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : labels) {
    if (!kubelet_keys.count(key) && !key.starts_with("annotation.")) out.emplace(key, value);
  }
  return out;
}

void read_kubernetes_metadata(const std::function<std::string(const char* key)>& value,
                              KubernetesMetadata& k8s) {
  const auto first = [&](std::initializer_list<const char*> keys) {
    for (const char* key : keys) {
      if (std::string v = value(key); !v.empty()) return v;
    }
    return std::string();
  };
  // Labels kubelet sets (and CRI-O's annotations), then containerd's CRI annotations.
  k8s.namespace_name = first({"io.kubernetes.pod.namespace", "io.kubernetes.cri.sandbox-namespace"});
  k8s.pod_name = first({"io.kubernetes.pod.name", "io.kubernetes.cri.sandbox-name"});
  k8s.pod_uid = first({"io.kubernetes.pod.uid", "io.kubernetes.cri.sandbox-uid"});
  k8s.container_name = first({"io.kubernetes.container.name", "io.kubernetes.cri.container-name"});
}

}  // namespace ig::runner::enrich
