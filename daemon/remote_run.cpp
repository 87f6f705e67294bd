#include "daemon/remote_run.hpp"

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include "daemon/gadget_service.grpc.pb.h"
#include "daemon/protocol.hpp"
#include "daemon/tls_files.hpp"
#include "daemon/wire.hpp"
#include "runner/instance/instance.hpp"
#include "runner/instance/sink.hpp"
#include "runner/output/data_writer.hpp"
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

ErrorCode error_code(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::NOT_FOUND:
      return ErrorCode::NotFound;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return ErrorCode::InvalidArgument;
    case grpc::StatusCode::UNAUTHENTICATED:
      return ErrorCode::Unauthorized;
    case grpc::StatusCode::PERMISSION_DENIED:
      return ErrorCode::Denied;
    case grpc::StatusCode::UNIMPLEMENTED:
      return ErrorCode::Unsupported;
    case grpc::StatusCode::UNAVAILABLE:
      return ErrorCode::Network;
    default:
      return ErrorCode::Internal;
  }
}

std::string join_commas(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// One data source of the run as the daemon described it, printed through the runner's own
// output stage.
struct PrintedSource {
  PrintedSource(const api::DataSource& described, const runner::RunOptions& options, runner::Sink& sink)
      : source(described),
        writer(source.table(), described.name(),
               {described.annotations().begin(), described.annotations().end()},
               writer_options(described.name(), options), sink) {
    if (source.is_array()) {
      writer.set_array();
    } else {
      writer.start();
    }
  }
  static runner::output::WriterOptions writer_options(const std::string& name,
                                                      const runner::RunOptions& options) {
    const runner::OutputOptions out = runner::output_options_for(name, options);
    return {out.mode, out.fields, out.terminal_width};
  }

  wire::RemoteDataSource source;
  runner::output::DataWriter writer;
  runner::output::Row row;
};

// The events of one run, in the order the daemon sends them: its GadgetInfo first.
class EventPrinter {
 public:
  EventPrinter(const runner::RunOptions& options, runner::Sink& sink) : options_(options), sink_(sink) {}

  void handle(const api::GadgetEvent& event) {
    if (event.type() == kEventGadgetInfo) {
      api::GadgetInfo info;
      if (!info.ParseFromString(event.payload())) throw bad_event("gadget info");
      sources_.clear();
      for (const auto& ds : info.datasources()) {
        sources_.resize(std::max<size_t>(sources_.size(), ds.id() + 1));
        sources_[ds.id()] = std::make_unique<PrintedSource>(ds, options_, sink_);
      }
    } else if (event.type() == kEventPayload) {
      payload(event);
    } else if (const uint32_t severity = event.type() >> kEventLogShift; severity != 0) {
      if (severity <= kLogWarning) sink_.warn(event.payload());
    }
  }

  void finish() {
    for (auto& s : sources_) {
      if (s) s->writer.flush_now();
    }
  }

 private:
  static Error bad_event(const std::string& what) {
    return Error(ErrorCode::Network, "the daemon sent a " + what + " that does not parse");
  }

  void payload(const api::GadgetEvent& event) {
    if (event.datasourceid() >= sources_.size() || !sources_[event.datasourceid()]) return;
    PrintedSource& s = *sources_[event.datasourceid()];
    if (s.source.is_array()) {
      api::GadgetDataArray data;
      if (!data.ParseFromString(event.payload())) throw bad_event("batch of events");
      s.writer.begin_batch();
      for (const auto& element : data.dataarray()) {
        s.source.decode(element, s.row);
        s.writer.row(s.row);
      }
      s.writer.end_batch();
      return;
    }
    api::GadgetData data;
    if (!data.ParseFromString(event.payload())) throw bad_event("event");
    s.source.decode(data.data(), s.row);
    s.writer.row(s.row);
    s.writer.flush();
  }

  const runner::RunOptions& options_;
  runner::Sink& sink_;
  std::vector<std::unique_ptr<PrintedSource>> sources_;  // by data source id
};

// Asks the daemon to stop the run on SIGINT or SIGTERM, which stay blocked for the process
// (gRPC's threads inherit the mask) so that only this thread takes them.
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

std::shared_ptr<grpc::Channel> open_channel(const RemoteOptions& remote) {
  const std::string target = channel_target(remote.address);
  grpc::ChannelArguments arguments;
  if (!tls_files_given("--remote-address " + remote.address, remote.tls_key_file,
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
  params["operator.LocalManager.host"] = options.host ? "true" : "false";
  return request;
}

int run_remote(const runner::RunOptions& options, const RemoteOptions& remote) {
  const std::string& address = remote.address;
  runner::RunOptions local = options;
  local.terminal_width = runner::stdout_terminal_width();
  runner::FileSink sink(stdout, stderr);
  EventPrinter printer(local, sink);

  grpc::ClientContext context;
  std::mutex stream_mutex;
  grpc::ClientReaderWriter<api::GadgetControlRequest, api::GadgetEvent>* running = nullptr;
  // Before the channel exists, so that its threads inherit the blocked signals.
  StopOnSignal stop([&] {
    std::lock_guard lock(stream_mutex);
    if (!running) {
      context.TryCancel();
      return;
    }
    api::GadgetControlRequest request;
    request.mutable_stoprequest();
    running->Write(request);
  });
  route_grpc_logs();
  auto channel = open_channel(remote);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + kConnectTimeout)) {
    throw Error(ErrorCode::Network, "--remote-address " + address + ": no daemon answers there" +
                                        (remote.tls_key_file.empty() ? "" : ", or the TLS handshake failed"));
  }
  auto stub = api::GadgetManager::NewStub(channel);
  auto stream = stub->RunGadget(&context);
  api::GadgetControlRequest start;
  *start.mutable_runrequest() = run_request(options);
  {
    std::lock_guard lock(stream_mutex);
    if (stream->Write(start)) running = stream.get();
  }
  api::GadgetEvent event;
  while (stream->Read(&event)) printer.handle(event);
  printer.finish();
  {
    std::lock_guard lock(stream_mutex);
    running = nullptr;
  }
  const grpc::Status status = stream->Finish();
  if (status.error_code() == grpc::StatusCode::CANCELLED) return 0;  // stopped before it ran
  if (!status.ok()) throw Error(error_code(status.error_code()), status.error_message());
  return 0;
}

}  // namespace ig::daemon
