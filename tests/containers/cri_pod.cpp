// Creates and removes pods through a runtime's CRI endpoint as kubelet does: a pod sandbox with
// the pod's labels (plus kubelet's io.kubernetes.pod.*), then a container labelled with kubelet's
// io.kubernetes.* keys. The pods use the host's network, so no CNI plugin is needed.
//
// Usage: cri_pod SOCKET run NAMESPACE POD UID LABELS CONTAINER IMAGE COMMAND...
//          prints "SANDBOX_ID CONTAINER_ID"; LABELS is key=value,... (or "")
//        cri_pod SOCKET remove SANDBOX_ID
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <string>
#include <vector>

#include "runner/enrich/cri/cri_api.grpc.pb.h"

namespace {

using runtime::v1::RuntimeService;

[[noreturn]] void die(const std::string& what, const grpc::Status& status) {
  std::fprintf(stderr, "cri_pod: %s: %s\n", what.c_str(), status.error_message().c_str());
  std::exit(1);
}

template <typename Request, typename Response>
void call(grpc::Status (RuntimeService::Stub::*method)(grpc::ClientContext*, const Request&, Response*),
          RuntimeService::Stub& stub, const Request& request, Response& response, const char* name) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  const grpc::Status status = (stub.*method)(&context, request, &response);
  if (!status.ok()) die(name, status);
}

void add_labels(google::protobuf::Map<std::string, std::string>& out, const std::string& list) {
  size_t start = 0;
  while (start < list.size()) {
    const size_t end = std::min(list.find(',', start), list.size());
    const std::string pair = list.substr(start, end - start);
    const size_t eq = pair.find('=');
    if (eq != std::string::npos) out[pair.substr(0, eq)] = pair.substr(eq + 1);
    start = end + 1;
  }
}

runtime::v1::PodSandboxConfig sandbox_config(const std::string& ns, const std::string& pod,
                                             const std::string& uid, const std::string& labels) {
  runtime::v1::PodSandboxConfig config;
  config.mutable_metadata()->set_name(pod);
  config.mutable_metadata()->set_namespace_(ns);
  config.mutable_metadata()->set_uid(uid);
  add_labels(*config.mutable_labels(), labels);
  auto& kubelet = *config.mutable_labels();
  kubelet["io.kubernetes.pod.name"] = pod;
  kubelet["io.kubernetes.pod.namespace"] = ns;
  kubelet["io.kubernetes.pod.uid"] = uid;
  auto& namespaces = *config.mutable_linux()->mutable_security_context()->mutable_namespace_options();
  namespaces.set_network(runtime::v1::NODE);
  namespaces.set_pid(runtime::v1::CONTAINER);
  return config;
}

int run(RuntimeService::Stub& stub, const std::vector<std::string>& args) {
  const std::string &ns = args[0], &pod = args[1], &uid = args[2], &labels = args[3];
  const std::string &container = args[4], &image = args[5];
  runtime::v1::RunPodSandboxRequest sandbox_request;
  *sandbox_request.mutable_config() = sandbox_config(ns, pod, uid, labels);
  runtime::v1::RunPodSandboxResponse sandbox;
  call(&RuntimeService::Stub::RunPodSandbox, stub, sandbox_request, sandbox, "RunPodSandbox");

  runtime::v1::CreateContainerRequest create;
  create.set_pod_sandbox_id(sandbox.pod_sandbox_id());
  *create.mutable_sandbox_config() = sandbox_request.config();
  auto& config = *create.mutable_config();
  config.mutable_metadata()->set_name(container);
  config.mutable_image()->set_image(image);
  for (size_t i = 6; i < args.size(); ++i) config.add_command(args[i]);
  auto& kubelet = *config.mutable_labels();
  kubelet["io.kubernetes.container.name"] = container;
  kubelet["io.kubernetes.pod.name"] = pod;
  kubelet["io.kubernetes.pod.namespace"] = ns;
  kubelet["io.kubernetes.pod.uid"] = uid;
  runtime::v1::CreateContainerResponse created;
  call(&RuntimeService::Stub::CreateContainer, stub, create, created, "CreateContainer");

  runtime::v1::StartContainerRequest start;
  start.set_container_id(created.container_id());
  runtime::v1::StartContainerResponse started;
  call(&RuntimeService::Stub::StartContainer, stub, start, started, "StartContainer");
  std::printf("%s %s\n", sandbox.pod_sandbox_id().c_str(), created.container_id().c_str());
  return 0;
}

int remove(RuntimeService::Stub& stub, const std::string& sandbox_id) {
  runtime::v1::StopPodSandboxRequest stop;
  stop.set_pod_sandbox_id(sandbox_id);
  runtime::v1::StopPodSandboxResponse stopped;
  call(&RuntimeService::Stub::StopPodSandbox, stub, stop, stopped, "StopPodSandbox");
  runtime::v1::RemovePodSandboxRequest request;
  request.set_pod_sandbox_id(sandbox_id);
  runtime::v1::RemovePodSandboxResponse removed;
  call(&RuntimeService::Stub::RemovePodSandbox, stub, request, removed, "RemovePodSandbox");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const bool run_usage = args.size() >= 9 && args[1] == "run";
  const bool remove_usage = args.size() == 3 && args[1] == "remove";
  if (!run_usage && !remove_usage) {
    std::fprintf(stderr,
                 "usage: cri_pod SOCKET run NAMESPACE POD UID LABELS CONTAINER IMAGE COMMAND...\n"
                 "       cri_pod SOCKET remove SANDBOX_ID\n");
    return 2;
  }
  auto stub = RuntimeService::NewStub(
      grpc::CreateChannel("unix://" + args[0], grpc::InsecureChannelCredentials()));
  if (remove_usage) return remove(*stub, args[2]);
  return run(*stub, {args.begin() + 2, args.end()});
}
