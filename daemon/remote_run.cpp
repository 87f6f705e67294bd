#include "daemon/remote_run.hpp"

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include "daemon/gadget_service.grpc.pb.h"
#include "daemon/event_printer.hpp"
#include "daemon/protocol.hpp"
#include "daemon/status.hpp"
#include "daemon/tls_files.hpp"
#include "runner/instance/sink.hpp"
#include "util/error.hpp"

namespace ig::daemon {
namespace {

// Upstream's client waits this long for the daemon to answer.
constexpr auto kConnectTimeout = std::chrono::seconds(5);

std::string channel_target(const std::string& address) {
  if (address.rfind("unix://", 0) == 0) return address;
  if (address.rfind("tcp://", 0) == 0) return address.substr(6);
  throw Error(ErrorCode::InvalidArgument,
              "--remote-address " + address + ": expected unix:///path or tcp://host:port");
}

std::string join_commas(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// Asks the daemon to stop the run on SIGINT or SIGTERM, which stay blocked for the process
// (gRPC's threads inherit the mask) so that only this thread takes them.
// Blocked, they are queued for sigtimedwait even when the shell started ig with them ignored.
class StopOnSignal {
 public:
  explicit StopOnSignal(std::function<void()> stop) {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    thread_ = std::thread([this, stop = std::move(stop)] {
      const struct timespec poll = {0, 100 * 1000 * 1000};
      while (!done_) {
        if (sigtimedwait(&signals_, nullptr, &poll) > 0) {
          stop();
          return;
        }
      }
    });
  }
  ~StopOnSignal() {
    done_ = true;
    thread_.join();
  }

 private:
  sigset_t signals_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

std::shared_ptr<grpc::Channel> open_channel(const RemoteOptions& remote, const std::string& address) {
  const std::string target = channel_target(address);
  grpc::ChannelArguments arguments;
  if (!tls_files_given("--remote-address " + address, remote.tls_key_file,
                       remote.tls_cert_file, remote.tls_server_ca_file)) {
    return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), arguments);
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = read_pem("tls-server-ca-file", remote.tls_server_ca_file);
  ssl.pem_private_key = read_pem("tls-key-file", remote.tls_key_file);
  ssl.pem_cert_chain = read_pem("tls-cert-file", remote.tls_cert_file);
  if (!remote.tls_server_name.empty()) arguments.SetSslTargetNameOverride(remote.tls_server_name);
  return grpc::CreateCustomChannel(target, grpc::SslCredentials(ssl), arguments);
}

}  // namespace

std::shared_ptr<grpc::Channel> connect(const RemoteOptions& remote, const std::string& address) {
  auto channel = open_channel(remote, address);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + kConnectTimeout)) {
    throw Error(ErrorCode::Network, "--remote-address " + address + ": no daemon answers there" +
                                        (remote.tls_key_file.empty() ? "" : ", or the TLS handshake failed"));
  }
  return channel;
}

api::GadgetRunRequest run_request(const runner::RunOptions& options) {
  api::GadgetRunRequest request;
  request.set_imagename(options.image);
  request.set_version(kProtocolVersion);
  request.set_loglevel(kLogInfo);
  request.set_timeout(int64_t{options.timeout_seconds} * 1000000000);
  for (const auto& arg : options.gadget_args) request.add_args(arg);
  auto& params = *request.mutable_paramvalues();
  params["operator.oci.verify-image"] = options.verify_image ? "true" : "false";
  params["operator.oci.pull"] = options.pull;
  params["operator.filter.filter"] = options.filter;
  params["operator.sort.sort"] = options.sort;
  params["operator.limiter.max-entries"] = options.max_entries;
  params["operator.LocalManager.containername"] = join_commas(options.container_names);
  params["operator.LocalManager.k8s-namespace"] = join_commas(options.k8s_namespaces);
  params["operator.LocalManager.k8s-podname"] = join_commas(options.k8s_pod_names);
  params["operator.LocalManager.k8s-selector"] = join_commas(options.k8s_selector);
  params["operator.LocalManager.k8s-containername"] = join_commas(options.k8s_container_names);
  params["operator.LocalManager.host"] = options.host ? "true" : "false";
  return request;
}

namespace {

// The run's stream to one daemon, read on a thread of its own.
class NodeRun {
 public:
  NodeRun(const RemoteOptions& remote, std::string address, size_t index, EventPrinter& printer)
      : remote_(remote), address_(std::move(address)), index_(index), printer_(printer) {}

  // Connects, sends the request and prints every event until the daemon ends the run.
  // Throws Error for an unreachable daemon, a refused request or a broken stream.
  void run(const api::GadgetControlRequest& start) {
    auto stub = api::GadgetManager::NewStub(connect(remote_, address_));
    auto stream = stub->RunGadget(&context_);
    {
      std::lock_guard lock(mutex_);
      if (stream->Write(start)) running_ = stream.get();
      if (stop_requested_) stop_locked();
    }
    api::GadgetEvent event;
    while (stream->Read(&event)) printer_.handle(index_, address_, event);
    {
      std::lock_guard lock(mutex_);
      running_ = nullptr;
    }
    const grpc::Status status = stream->Finish();
    if (status.error_code() == grpc::StatusCode::CANCELLED && stop_requested_) return;
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      throw Error(ErrorCode::Network, "the connection to the daemon broke: " + status.error_message());
    }
    if (!status.ok()) throw_error(status);
  }

  // Asks the daemon to end the run (any thread).
  void stop() {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
    stop_locked();
  }

  const std::string& address() const { return address_; }

 private:
  void stop_locked() {
    if (!running_) {
      context_.TryCancel();
      return;
    }
    api::GadgetControlRequest request;
    request.mutable_stoprequest();
    running_->Write(request);
  }

  const RemoteOptions& remote_;
  const std::string address_;
  const size_t index_;
  EventPrinter& printer_;
  grpc::ClientContext context_;
  std::mutex mutex_;
  grpc::ClientReaderWriter<api::GadgetControlRequest, api::GadgetEvent>* running_ = nullptr;
  bool stop_requested_ = false;
};

}  // namespace

int run_remote(const runner::RunOptions& options, const RemoteOptions& remote) {
  api::GadgetControlRequest start;
  *start.mutable_runrequest() = run_request(options);
  return run_on_daemons(options, remote, start);
}

int run_on_daemons(const runner::RunOptions& options, const RemoteOptions& remote,
                   const api::GadgetControlRequest& start) {
  for (const auto& address : remote.addresses) channel_target(address);  // bad ones fail first
  runner::RunOptions local = options;
  local.terminal_width = runner::stdout_terminal_width();
  runner::FileSink sink(stdout, stderr);
  EventPrinter printer(local, sink, remote.addresses.size());
  std::vector<std::unique_ptr<NodeRun>> nodes;
  for (size_t i = 0; i < remote.addresses.size(); ++i) {
    nodes.push_back(std::make_unique<NodeRun>(remote, remote.addresses[i], i, printer));
  }
  // Before any channel exists, so that gRPC's threads inherit the blocked signals.
  StopOnSignal on_signal([&nodes] {
    for (auto& node : nodes) node->stop();
  });
  route_grpc_logs();
  std::vector<std::string> failures(nodes.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < nodes.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        nodes[i]->run(start);
      } catch (const std::exception& e) {
        failures[i] = e.what();
        // The others go on: a node that fails or goes away is reported as it happens.
        if (nodes.size() > 1) printer.warn(nodes[i]->address(), e.what());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  printer.finish();
  if (nodes.size() == 1 && !failures[0].empty()) {
    throw Error(ErrorCode::Network, failures[0]);
  }
  const auto failed = std::count_if(failures.begin(), failures.end(), [](const auto& f) { return !f.empty(); });
  if (failed > 0) {
    throw Error(ErrorCode::Network, std::to_string(failed) + " of " + std::to_string(nodes.size()) +
                                        " daemons failed (see the warnings above)");
  }
  return 0;
}

}  // namespace ig::daemon
