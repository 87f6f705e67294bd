#include "daemon/instance_client.hpp"

#include <grpcpp/grpcpp.h>

#include <nlohmann/json.hpp>

#include "daemon/gadget_service.grpc.pb.h"
#include "daemon/protocol.hpp"
#include "daemon/status.hpp"
#include "util/error.hpp"

namespace ig::daemon {
namespace {

const std::string& single_address(const RemoteOptions& remote) {
  if (remote.addresses.size() != 1) {
    throw Error(ErrorCode::InvalidArgument, "gadget instances: give exactly one --remote-address");
  }
  return remote.addresses.front();
}

std::unique_ptr<api::GadgetInstanceManager::Stub> instance_stub(const RemoteOptions& remote) {
  return api::GadgetInstanceManager::NewStub(connect(remote, single_address(remote)));
}

std::string join(const google::protobuf::RepeatedPtrField<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

std::string status_text(const api::GadgetInstance& instance) {
  switch (instance.state().status()) {
    case api::StatusRunning:
      return "Running";
    case api::StatusError:
      return "Error: " + instance.state().message();
    default:
      return "Unknown";
  }
}

}  // namespace

api::GadgetInstance create_instance(const runner::RunOptions& options, const RemoteOptions& remote,
                                    const std::string& name, const std::vector<std::string>& tags) {
  route_grpc_logs();
  auto stub = instance_stub(remote);
  api::CreateGadgetInstanceRequest request;
  api::GadgetInstance& instance = *request.mutable_gadgetinstance();
  *instance.mutable_gadgetconfig() = run_request(options);
  instance.set_name(name);
  for (const auto& tag : tags) instance.add_tags(tag);
  grpc::ClientContext context;
  api::CreateGadgetInstanceResponse response;
  throw_error(stub->CreateGadgetInstance(&context, request, &response));
  return response.gadgetinstance();
}

std::vector<api::GadgetInstance> list_instances(const RemoteOptions& remote) {
  route_grpc_logs();
  auto stub = instance_stub(remote);
  grpc::ClientContext context;
  api::ListGadgetInstanceResponse response;
  throw_error(stub->ListGadgetInstances(&context, {}, &response));
  return {response.gadgetinstances().begin(), response.gadgetinstances().end()};
}

void remove_instance(const RemoteOptions& remote, const std::string& id) {
  route_grpc_logs();
  auto stub = instance_stub(remote);
  grpc::ClientContext context;
  api::GadgetInstanceId request;
  request.set_id(id);
  api::StatusResponse response;
  throw_error(stub->RemoveGadgetInstance(&context, request, &response));
}

int attach_instance(const runner::RunOptions& options, const RemoteOptions& remote, const std::string& id) {
  single_address(remote);
  api::GadgetControlRequest start;
  start.mutable_attachrequest()->set_id(id);
  start.mutable_attachrequest()->set_version(kProtocolVersion);
  return run_on_daemons(options, remote, start);
}

std::string format_instances(const std::vector<api::GadgetInstance>& instances, bool json) {
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& i : instances) {
      out.push_back({{"id", i.id()}, {"name", i.name()}, {"tags", std::vector<std::string>(i.tags().begin(), i.tags().end())},
                     {"gadget", i.gadgetconfig().imagename()}, {"timeCreated", i.timecreated()},
                     {"status", status_text(i)}});
    }
    return out.dump() + "\n";
  }
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-32s %-16s %-16s %-40s %s\n", "ID", "NAME", "TAGS", "GADGET", "STATUS");
  out += line;
  for (const auto& i : instances) {
    std::snprintf(line, sizeof line, "%-32s %-16s %-16s %-40s %s\n", i.id().c_str(), i.name().c_str(),
                  join(i.tags()).c_str(), i.gadgetconfig().imagename().c_str(), status_text(i).c_str());
    out += line;
  }
  return out;
}

}  // namespace ig::daemon
