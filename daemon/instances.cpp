#include "daemon/instances.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <random>
#include <thread>

#include "daemon/protocol.hpp"
#include "daemon/remote_sink.hpp"
#include "runner/instance/instance.hpp"
#include "util/error.hpp"

namespace ig::daemon {
namespace fs = std::filesystem;

namespace {

// Events kept for clients that attach later, unless the request says how many.
constexpr size_t kDefaultKeptEvents = 16384;

std::string new_instance_id() {
  std::random_device random;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 32; ++i) id += kHex[random() % 16];
  return id;
}

bool valid_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

struct InstanceManager::Hosted {
  explicit Hosted(const api::CreateGadgetInstanceRequest& request)
      : config(request.gadgetinstance()),
        kept_events(request.eventbufferlength() > 0 ? size_t(request.eventbufferlength()) : kDefaultKeptEvents) {}

  // Runs on the instance's own thread; `ready` learns whether the gadget could be instantiated.
  void run(const DaemonOptions& options, oci::LayoutStore& store, std::promise<void>& ready) {
    std::string error;
    bool instantiated = false;
    try {
      const api::GadgetRunRequest& request = config.gadgetconfig();
      const runner::RunOptions run_options = request_options(options.defaults, request);
      RemoteSink sink([this](api::GadgetEvent event, bool) { publish(std::move(event)); }, options.node_name);
      runner::GadgetInstance instance(run_options, store, sink);
      publish(sink.info_event(instance));
      instantiated = true;
      ready.set_value();
      instance.run([this] { return stop.load(); });
    } catch (const std::exception& e) {
      error = e.what();
      if (!instantiated) ready.set_exception(std::current_exception());
    }
    end(stop ? "" : error.empty() ? "the run ended" : error);
  }

  void publish(api::GadgetEvent event) {
    std::lock_guard lock(mutex);
    for (auto& [token, subscriber] : subscribers) subscriber.send(event);
    if (event.type() == kEventGadgetInfo) {
      info = std::move(event);
      return;
    }
    kept.push_back(std::move(event));
    if (kept.size() > kept_events) kept.pop_front();
  }

  void end(const std::string& error) {
    std::map<uint64_t, Subscriber> left;
    {
      std::lock_guard lock(mutex);
      if (!error.empty()) {
        state.set_status(api::StatusError);
        state.set_message(error);
      }
      left.swap(subscribers);
      ended = true;
    }
    for (auto& [token, subscriber] : left) subscriber.ended(error);
  }

  api::GadgetInstance describe() const {
    std::lock_guard lock(mutex);
    api::GadgetInstance out = config;
    *out.mutable_state() = state;
    return out;
  }

  api::GadgetInstance config;
  const size_t kept_events;
  std::atomic<bool> stop{false};
  std::thread thread;

  mutable std::mutex mutex;  // guards the members below
  api::GadgetInstanceState state;
  std::optional<api::GadgetEvent> info;
  std::deque<api::GadgetEvent> kept;
  std::map<uint64_t, Subscriber> subscribers;
  uint64_t next_token = 1;
  bool ended = false;
};

InstanceManager::InstanceManager(const DaemonOptions& options, oci::LayoutStore& store, std::string directory)
    : options_(options), store_(store), directory_(std::move(directory)) {
  std::error_code ec;
  fs::create_directories(directory_, ec);
  if (ec) throw Error(ErrorCode::Io, "--instances-dir " + directory_ + ": " + ec.message());
}

InstanceManager::~InstanceManager() {
  for (auto& [id, hosted] : instances_) hosted->stop = true;
  for (auto& [id, hosted] : instances_) {
    if (hosted->thread.joinable()) hosted->thread.join();
  }
}

std::shared_ptr<InstanceManager::Hosted> InstanceManager::start(const api::CreateGadgetInstanceRequest& request) {
  auto hosted = std::make_shared<Hosted>(request);
  hosted->state.set_status(api::StatusRunning);
  std::promise<void> ready;
  std::future<void> instantiated = ready.get_future();
  hosted->thread = std::thread([this, raw = hosted.get(), &ready] { raw->run(options_, store_, ready); });
  try {
    instantiated.get();
  } catch (...) {
    hosted->thread.join();
    throw;
  }
  return hosted;
}

void InstanceManager::store(const api::CreateGadgetInstanceRequest& request) const {
  // Written whole, then renamed: a crash leaves the old file or none, never half of one.
  const fs::path path = fs::path(directory_) / (request.gadgetinstance().id() + ".pb");
  const fs::path partial = path.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out || !request.SerializeToOstream(&out) || !out.flush()) {
      throw Error(ErrorCode::Io, "gadget instance " + request.gadgetinstance().id() + ": cannot store it in " + directory_);
    }
  }
  fs::rename(partial, path);
}

api::GadgetInstance InstanceManager::create(const api::CreateGadgetInstanceRequest& request) {
  api::CreateGadgetInstanceRequest stored = request;
  api::GadgetInstance& config = *stored.mutable_gadgetinstance();
  if (config.id().empty()) config.set_id(new_instance_id());
  if (!valid_id(config.id())) {
    throw Error(ErrorCode::InvalidArgument, "gadget instance id \"" + config.id() + "\": lowercase hex only");
  }
  if (find(config.id())) throw Error(ErrorCode::AlreadyExists, "gadget instance " + config.id() + " exists");
  if (config.timecreated() == 0) {
    config.set_timecreated(std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count());
  }
  auto hosted = start(stored);
  try {
    store(stored);
  } catch (...) {
    hosted->stop = true;
    hosted->thread.join();
    throw;
  }
  std::lock_guard lock(mutex_);
  instances_[config.id()] = hosted;
  return hosted->describe();
}

void InstanceManager::resume() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(directory_, ec)) {
    if (entry.path().extension() != ".pb") continue;
    api::CreateGadgetInstanceRequest request;
    std::ifstream in(entry.path(), std::ios::binary);
    if (!request.ParseFromIstream(&in) || request.gadgetinstance().id() + ".pb" != entry.path().filename()) {
      std::fprintf(stderr, "ig daemon: %s is not a stored gadget instance; left alone\n", entry.path().c_str());
      continue;
    }
    std::shared_ptr<Hosted> hosted;
    try {
      hosted = start(request);
    } catch (const std::exception& e) {
      // Listed with its error: the user decides whether to remove it.
      hosted = std::make_shared<Hosted>(request);
      hosted->state.set_status(api::StatusError);
      hosted->state.set_message(e.what());
      hosted->ended = true;
    }
    std::lock_guard lock(mutex_);
    instances_[request.gadgetinstance().id()] = hosted;
  }
}

std::shared_ptr<InstanceManager::Hosted> InstanceManager::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto it = instances_.find(id);
  return it == instances_.end() ? nullptr : it->second;
}

std::vector<api::GadgetInstance> InstanceManager::list() const {
  std::lock_guard lock(mutex_);
  std::vector<api::GadgetInstance> out;
  for (const auto& [id, hosted] : instances_) out.push_back(hosted->describe());
  return out;
}

api::GadgetInstance InstanceManager::get(const std::string& id) const {
  const auto hosted = find(id);
  if (!hosted) throw Error(ErrorCode::NotFound, "gadget instance " + id + " not found");
  return hosted->describe();
}

void InstanceManager::remove(const std::string& id) {
  std::shared_ptr<Hosted> hosted;
  {
    std::lock_guard lock(mutex_);
    const auto it = instances_.find(id);
    if (it == instances_.end()) throw Error(ErrorCode::NotFound, "gadget instance " + id + " not found");
    hosted = it->second;
    instances_.erase(it);
  }
  hosted->stop = true;
  if (hosted->thread.joinable()) hosted->thread.join();
  std::error_code ec;
  fs::remove(fs::path(directory_) / (id + ".pb"), ec);
}

uint64_t InstanceManager::subscribe(const std::string& id, Subscriber subscriber) {
  const auto hosted = find(id);
  if (!hosted) throw Error(ErrorCode::NotFound, "gadget instance " + id + " not found");
  std::unique_lock lock(hosted->mutex);
  if (hosted->ended) {
    const std::string error = hosted->state.message();
    lock.unlock();
    subscriber.ended(error);
    return 0;
  }
  if (hosted->info) subscriber.send(*hosted->info);
  for (const auto& event : hosted->kept) subscriber.send(event);
  const uint64_t token = hosted->next_token++;
  hosted->subscribers.emplace(token, std::move(subscriber));
  return token;
}

void InstanceManager::unsubscribe(const std::string& id, uint64_t token) {
  const auto hosted = find(id);
  if (!hosted) return;
  std::lock_guard lock(hosted->mutex);
  hosted->subscribers.erase(token);
}

}  // namespace ig::daemon
