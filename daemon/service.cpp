#include "daemon/service.hpp"

#include <grp.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "daemon/gadget_service.grpc.pb.h"
#include "daemon/instances.hpp"
#include "daemon/protocol.hpp"
#include "daemon/remote_sink.hpp"
#include "daemon/status.hpp"
#include "daemon/tls_files.hpp"
#include "runner/instance/instance.hpp"
#include "util/error.hpp"

namespace ig::daemon {

const char* const kDefaultAddress = "unix:///var/run/ig/ig.socket";

namespace {

// Set when the daemon is asked to stop: every running instance ends.
std::atomic<bool> g_shutting_down{false};

bool parse_bool(const std::string& key, const std::string& value) {
  if (value == "true" || value.empty()) return true;
  if (value == "false") return false;
  throw Error(ErrorCode::InvalidArgument, "param " + key + ": \"" + value + "\" is not true or false");
}

std::vector<std::string> split_commas(const std::string& value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    const size_t comma = value.find(',', start);
    std::string item = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(std::move(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// One RunGadget call: reads the run request, runs the instance on a thread of its own and
// queues its events for the stream, which takes one write at a time.
class RunReactor : public grpc::ServerBidiReactor<api::GadgetControlRequest, api::GadgetEvent> {
 public:
  RunReactor(const DaemonOptions& options, oci::LayoutStore& store, InstanceManager& instances)
      : options_(options), store_(store), instances_(instances) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!started_) {
      started_ = true;
      if (ok && request_.has_attachrequest()) {
        attach(request_.attachrequest());
        return;
      }
      if (!ok || !request_.has_runrequest()) {
        finish({grpc::StatusCode::INVALID_ARGUMENT, "expected a gadget run or attach request first"});
        return;
      }
      if (request_.runrequest().version() != kProtocolVersion) {
        finish({grpc::StatusCode::INVALID_ARGUMENT,
                "expected protocol version " + std::to_string(kProtocolVersion) + ", got " +
                    std::to_string(request_.runrequest().version())});
        return;
      }
      runner_ = std::thread(&RunReactor::run, this, request_.runrequest());
      StartRead(&request_);
      return;
    }
    // As upstream: a stop request, or the client closing its side, ends the run (or only the
    // attachment: the instance goes on).
    if (!ok || request_.has_stoprequest()) {
      stop_ = true;
      if (!attached_id_.empty()) {
        instances_.unsubscribe(attached_id_, attached_token_);
        finish(grpc::Status::OK);
      }
      return;
    }
    StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock lock(mutex_);
    writing_ = false;
    if (!ok) {  // the client is gone: nothing more reaches it
      stop_ = true;
      queue_.clear();
    }
    write_next(lock);
  }

  void OnCancel() override { stop_ = true; }

  void OnDone() override {
    if (runner_.joinable()) runner_.join();
    delete this;
  }

 private:
  void run(const api::GadgetRunRequest& request) {
    grpc::Status status = grpc::Status::OK;
    try {
      const runner::RunOptions options = request_options(options_.defaults, request);
      RemoteSink sink([this](api::GadgetEvent event, bool droppable) { send(std::move(event), droppable); },
                      options_.node_name);
      runner::GadgetInstance instance(options, store_, sink);
      send(sink.info_event(instance), false);
      instance.run([this] { return stop_.load() || g_shutting_down.load(); });
    } catch (const std::exception& e) {
      status = to_status(e);
    }
    finish(status);
  }

  // The events of a gadget instance from now on: its description and kept events first.
  void attach(const api::GadgetAttachRequest& request) {
    if (request.version() != kProtocolVersion) {
      finish({grpc::StatusCode::INVALID_ARGUMENT,
              "expected protocol version " + std::to_string(kProtocolVersion)});
      return;
    }
    try {
      attached_token_ = instances_.subscribe(
          request.id(), {[this](const api::GadgetEvent& event) { send(event, event.type() == kEventPayload); },
                         [this](const std::string& error) {
                           finish(error.empty() ? grpc::Status::OK : grpc::Status(grpc::StatusCode::ABORTED, error));
                         }});
      attached_id_ = request.id();
    } catch (const std::exception& e) {
      finish(to_status(e));
      return;
    }
    StartRead(&request_);
  }

  // Payload events are dropped while the client is this far behind (upstream's
  // --events-buffer-length); it is told how many.
  static constexpr size_t kMaxQueued = 16384;

  void send(api::GadgetEvent event, bool droppable) {
    std::unique_lock lock(mutex_);
    if (finished_) return;
    if (droppable && queue_.size() >= kMaxQueued) {
      ++dropped_;
      return;
    }
    if (dropped_ > 0 && queue_.size() < kMaxQueued / 2) {
      queue_.push_back(log_event(kLogWarning, "dropped " + std::to_string(dropped_) +
                                                  " events: the client reads too slowly"));
      dropped_ = 0;
    }
    queue_.push_back(std::move(event));
    write_next(lock);
  }

  void finish(grpc::Status status) {
    std::unique_lock lock(mutex_);
    final_ = std::move(status);
    write_next(lock);
  }

  // Starts the next write, or finishes the call once the queue is empty and the run over.
  // StartWrite is called without the lock: its reaction may run on this thread.
  void write_next(std::unique_lock<std::mutex>& lock) {
    if (writing_ || finished_) return;
    if (!queue_.empty()) {
      current_ = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      lock.unlock();
      StartWrite(&current_);
      return;
    }
    if (final_) {
      finished_ = true;
      const grpc::Status status = *final_;
      lock.unlock();
      Finish(status);
    }
  }

  const DaemonOptions& options_;
  oci::LayoutStore& store_;
  InstanceManager& instances_;
  std::string attached_id_;  // set when the call attached to an instance
  uint64_t attached_token_ = 0;
  api::GadgetControlRequest request_;
  bool started_ = false;
  std::atomic<bool> stop_{false};
  std::thread runner_;

  std::mutex mutex_;  // guards the members below
  std::deque<api::GadgetEvent> queue_;
  api::GadgetEvent current_;  // being written
  bool writing_ = false;
  uint64_t dropped_ = 0;
  std::optional<grpc::Status> final_;
  bool finished_ = false;
};

class GadgetManagerService : public api::GadgetManager::CallbackService {
 public:
  GadgetManagerService(const DaemonOptions& options, oci::LayoutStore& store, InstanceManager& instances)
      : options_(options), store_(store), instances_(instances) {}

  grpc::ServerBidiReactor<api::GadgetControlRequest, api::GadgetEvent>* RunGadget(
      grpc::CallbackServerContext*) override {
    return new RunReactor(options_, store_, instances_);
  }

  // Instantiates the gadget (pulling it if the policy says so) without running it.
  grpc::ServerUnaryReactor* GetGadgetInfo(grpc::CallbackServerContext* context,
                                          const api::GetGadgetInfoRequest* request,
                                          api::GetGadgetInfoResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (request->version() != kGadgetInfoVersion) {
      reactor->Finish({grpc::StatusCode::INVALID_ARGUMENT,
                       "expected gadget info version " + std::to_string(kGadgetInfoVersion)});
      return reactor;
    }
    try {
      api::GadgetRunRequest run;
      run.set_imagename(request->imagename());
      *run.mutable_paramvalues() = request->paramvalues();
      const runner::RunOptions options = request_options(options_.defaults, run);
      RemoteSink sink([](api::GadgetEvent, bool) {}, options_.node_name);
      runner::GadgetInstance instance(options, store_, sink);
      *response->mutable_gadgetinfo() = sink.describe(instance);
      reactor->Finish(grpc::Status::OK);
    } catch (const std::exception& e) {
      reactor->Finish(to_status(e));
    }
    return reactor;
  }

 private:
  const DaemonOptions& options_;
  oci::LayoutStore& store_;
  InstanceManager& instances_;
};

// Each call runs to completion on the callback thread (creating loads the gadget).
class InstanceService : public api::GadgetInstanceManager::CallbackService {
 public:
  explicit InstanceService(InstanceManager& instances) : instances_(instances) {}

  grpc::ServerUnaryReactor* CreateGadgetInstance(grpc::CallbackServerContext* context,
                                                 const api::CreateGadgetInstanceRequest* request,
                                                 api::CreateGadgetInstanceResponse* response) override {
    return answer(context, [&] { *response->mutable_gadgetinstance() = instances_.create(*request); });
  }
  grpc::ServerUnaryReactor* ListGadgetInstances(grpc::CallbackServerContext* context,
                                                const api::ListGadgetInstancesRequest*,
                                                api::ListGadgetInstanceResponse* response) override {
    return answer(context, [&] {
      for (auto& instance : instances_.list()) *response->add_gadgetinstances() = std::move(instance);
    });
  }
  grpc::ServerUnaryReactor* GetGadgetInstance(grpc::CallbackServerContext* context,
                                              const api::GadgetInstanceId* request,
                                              api::GadgetInstance* response) override {
    return answer(context, [&] { *response = instances_.get(request->id()); });
  }
  grpc::ServerUnaryReactor* RemoveGadgetInstance(grpc::CallbackServerContext* context,
                                                 const api::GadgetInstanceId* request,
                                                 api::StatusResponse* response) override {
    return answer(context, [&] {
      instances_.remove(request->id());
      response->set_message("removed " + request->id());
    });
  }

 private:
  template <typename Work>
  static grpc::ServerUnaryReactor* answer(grpc::CallbackServerContext* context, Work work) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    try {
      work();
      reactor->Finish(grpc::Status::OK);
    } catch (const std::exception& e) {
      reactor->Finish(to_status(e));
    }
    return reactor;
  }

  InstanceManager& instances_;
};

class InfoService : public api::BuiltInGadgetManager::CallbackService {
  grpc::ServerUnaryReactor* GetInfo(grpc::CallbackServerContext* context, const api::InfoRequest*,
                                    api::InfoResponse* response) override {
    response->set_version("1.0");
    response->set_serverversion(IG_VERSION);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

gid_t group_id(const std::string& group) {
  if (!group.empty() && group.find_first_not_of("0123456789") == std::string::npos) {
    return static_cast<gid_t>(std::stoul(group));
  }
  const struct group* entry = getgrnam(group.c_str());
  if (!entry) throw Error(ErrorCode::InvalidArgument, "--group: no group \"" + group + "\"");
  return entry->gr_gid;
}

// The unix socket exists only once the server is built; until chmod it is the owner's only.
void restrict_socket(const std::string& path, gid_t gid) {
  if (chown(path.c_str(), 0, gid) != 0 || chmod(path.c_str(), 0660) != 0) {
    throw Error(ErrorCode::Io, "socket " + path + ": cannot set its owner group and mode");
  }
}

// TLS requiring a client certificate the CA signed; plain TCP only when asked for.
std::shared_ptr<grpc::ServerCredentials> server_credentials(const DaemonOptions& options, bool tcp) {
  const bool tls = tls_files_given("ig daemon", options.tls_key_file, options.tls_cert_file,
                                   options.tls_client_ca_file);
  if (!tls) {
    if (tcp && !options.tls_insecure) {
      throw Error(ErrorCode::InvalidArgument,
                  "--host " + options.address +
                      ": TCP needs --tls-key-file, --tls-cert-file and --tls-client-ca-file, or "
                      "--tls-insecure");
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = read_pem("tls-client-ca-file", options.tls_client_ca_file);
  ssl.pem_key_cert_pairs.push_back({read_pem("tls-key-file", options.tls_key_file),
                                    read_pem("tls-cert-file", options.tls_cert_file)});
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

runner::RunOptions request_options(const runner::RunOptions& defaults, const api::GadgetRunRequest& request) {
  if (request.imagename().empty()) throw Error(ErrorCode::InvalidArgument, "the run request names no image");
  runner::RunOptions options = defaults;
  options.image = request.imagename();
  const int64_t timeout_ns = request.timeout();
  options.output = {"rows"};
  options.timeout_seconds = static_cast<int>((timeout_ns + 999999999) / 1000000000);
  static const std::string kGadgetParam = "operator.oci.ebpf.";
  // Sorted, so that repeated gadget flags apply in one order whatever the map's.
  const std::map<std::string, std::string> params(request.paramvalues().begin(), request.paramvalues().end());
  for (const auto& [key, value] : params) {
    if (key.rfind(kGadgetParam, 0) == 0) {
      // Upstream's clients send every param, unset ones empty.
      if (!value.empty()) options.gadget_args.push_back("--" + key.substr(kGadgetParam.size()) + "=" + value);
    } else if (key == "operator.filter.filter") {
      options.filter = value;
    } else if (key == "operator.sort.sort") {
      options.sort = value;
    } else if (key == "operator.limiter.max-entries") {
      if (!value.empty()) options.max_entries = value;
    } else if (key == "operator.LocalManager.containername") {
      options.container_names = split_commas(value);
    } else if (key == "operator.LocalManager.k8s-namespace") {
      options.k8s_namespaces = split_commas(value);
    } else if (key == "operator.LocalManager.k8s-podname") {
      options.k8s_pod_names = split_commas(value);
    } else if (key == "operator.LocalManager.k8s-selector") {
      options.k8s_selector = split_commas(value);
    } else if (key == "operator.LocalManager.k8s-containername") {
      options.k8s_container_names = split_commas(value);
    } else if (key == "operator.LocalManager.host") {
      options.host = parse_bool(key, value);
    } else if (key == "operator.oci.verify-image") {
      // As upstream's: the oci operator's params are per run; the daemon's flag is the default.
      options.verify_image = parse_bool(key, value);
    } else if (key == "operator.oci.pull") {
      if (!value.empty()) options.pull = value;
    }
    // Other operators' params (the client's own output, upstream operators ig does not have)
    // change nothing here, as for upstream's daemon.
  }
  options.gadget_args.insert(options.gadget_args.end(), request.args().begin(), request.args().end());
  return options;
}

std::string default_node_name() {
  if (const char* env = std::getenv("NODE_NAME"); env && *env) return env;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

void serve(const DaemonOptions& options, oci::LayoutStore& store) {
  std::string listen = options.address;
  std::string socket_path;
  if (listen.rfind("unix://", 0) == 0) {
    socket_path = listen.substr(7);
    std::filesystem::create_directories(std::filesystem::path(socket_path).parent_path());
    std::filesystem::remove(socket_path);  // a stale socket of an earlier daemon
  } else if (listen.rfind("tcp://", 0) == 0) {
    listen = listen.substr(6);
  } else {
    throw Error(ErrorCode::InvalidArgument,
                "--host " + options.address + ": expected unix:///path or tcp://host:port");
  }
  const gid_t gid = group_id(options.group);
  // Threads the server starts inherit the mask: only sigwait below takes these signals.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  route_grpc_logs();
  DaemonOptions serving = options;
  serving.defaults.node_name = options.node_name;
  InstanceManager instances(serving, store, options.instances_dir);
  instances.resume();
  GadgetManagerService gadgets(serving, store, instances);
  InstanceService instance_service(instances);
  InfoService info;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, server_credentials(options, socket_path.empty()), &port);
  builder.RegisterService(&gadgets);
  builder.RegisterService(&info);
  builder.RegisterService(&instance_service);
  const mode_t old_mask = umask(0177);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  umask(old_mask);
  if (!server || port == 0) throw Error(ErrorCode::Io, "--host " + options.address + ": cannot listen there");
  if (!socket_path.empty()) restrict_socket(socket_path, gid);
  std::fprintf(stderr, "ig daemon: serving on %s\n", options.address.c_str());

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  g_shutting_down = true;
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (!socket_path.empty()) std::filesystem::remove(socket_path);
}

}  // namespace ig::daemon
