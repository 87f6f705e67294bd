// Pod labels from a runtime's CRI endpoint (containerd's CRI plugin, CRI-O), as upstream's ig
// reads them: kubelet gives the pod's labels to its sandbox, not to its containers.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace ig::runner::enrich {

class CriPodLabels {
 public:
  explicit CriPodLabels(std::string socket_path);
  ~CriPodLabels();
  CriPodLabels(const CriPodLabels&) = delete;
  CriPodLabels& operator=(const CriPodLabels&) = delete;

  // The labels of the pod with `pod_uid`; empty when the runtime has no such sandbox or
  // serves no CRI (asked again only after a pause: enrichment runs in the event loop).
  // Not thread-safe: sources are listed under the container cache's lock.
  std::map<std::string, std::string> of(const std::string& pod_uid);

 private:
  struct Client;
  std::string socket_path_;
  std::unique_ptr<Client> client_;
  std::map<std::string, std::map<std::string, std::string>> known_;  // pod uid -> labels
  std::chrono::steady_clock::time_point retry_at_{};
};

}  // namespace ig::runner::enrich
