#include "runner/enrich/cri/pod_labels.hpp"

#include <grpcpp/grpcpp.h>

#include "runner/enrich/container.hpp"
#include "runner/enrich/cri/cri_api.grpc.pb.h"

namespace ig::runner::enrich {
namespace {

// An answer slower than this stalls the event loop; the runtime is asked again later.
constexpr auto kCallTimeout = std::chrono::milliseconds(1000);
constexpr auto kRetryPause = std::chrono::seconds(5);

}  // namespace

struct CriPodLabels::Client {
  std::unique_ptr<runtime::v1::RuntimeService::Stub> stub;
};

CriPodLabels::CriPodLabels(std::string socket_path) : socket_path_(std::move(socket_path)) {}

CriPodLabels::~CriPodLabels() = default;

std::map<std::string, std::string> CriPodLabels::of(const std::string& pod_uid) {
  if (auto it = known_.find(pod_uid); it != known_.end()) return it->second;
  const auto now = std::chrono::steady_clock::now();
  if (now < retry_at_) return {};
  if (!client_) {
    client_ = std::make_unique<Client>();
    client_->stub = runtime::v1::RuntimeService::NewStub(
        grpc::CreateChannel("unix://" + socket_path_, grpc::InsecureChannelCredentials()));
  }
  runtime::v1::ListPodSandboxRequest request;
  (*request.mutable_filter()->mutable_label_selector())["io.kubernetes.pod.uid"] = pod_uid;
  runtime::v1::ListPodSandboxResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  if (!client_->stub->ListPodSandbox(&context, request, &response).ok()) {
    retry_at_ = now + kRetryPause;  // no CRI here (containerd without its CRI plugin), or busy
    return {};
  }
  std::map<std::string, std::string> labels;
  for (const auto& sandbox : response.items()) {
    if (sandbox.metadata().uid() != pod_uid) continue;
    labels = pod_labels_of_sandbox({sandbox.labels().begin(), sandbox.labels().end()});
  }
  known_[pod_uid] = labels;
  return labels;
}

}  // namespace ig::runner::enrich
