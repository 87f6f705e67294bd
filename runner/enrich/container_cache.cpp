#include "runner/enrich/container_cache.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <exception>
#include <filesystem>

#include "util/error.hpp"

namespace ig::runner::enrich {
namespace fs = std::filesystem;
namespace {

bool in_containerd_namespace(const SourceOptions& options, const fs::path& namespace_dir) {
  return options.containerd_namespace.empty() ||
         namespace_dir.filename() == options.containerd_namespace;
}

}  // namespace

std::vector<std::unique_ptr<ContainerSource>> make_sources(
    const SourceOptions& options, const std::function<void(const std::string&)>& warn) {
  std::vector<std::unique_ptr<ContainerSource>> sources;
  std::shared_ptr<CriPodLabels> containerd_cri, crio_cri;
  for (const auto& runtime : options.runtimes) {
    if (runtime == "docker") {
      sources.push_back(make_docker_api_source("docker", options.docker_socket));
    } else if (runtime == "podman") {
      sources.push_back(make_docker_api_source("podman", options.podman_socket));
    } else if (runtime == "containerd") {
      // ig reads containerd's task state next to its socket and asks its CRI plugin (on the
      // same socket) only for pod labels; the default layout keeps both under /run/containerd.
      containerd_cri = std::make_shared<CriPodLabels>(options.containerd_socket);
      const fs::path dir = fs::path(options.containerd_socket).parent_path();
      sources.push_back(make_containerd_state_source(dir.string(), options.containerd_namespace, containerd_cri));
      if (fs::is_directory(dir / "state")) {
        sources.push_back(make_containerd_state_source((dir / "state").string(),
                                                       options.containerd_namespace, containerd_cri));
      }
    } else if (runtime == "cri-o") {
      // CRI-O's containers are found in their runtime's state directory; its CRI gives pod labels.
      if (fs::exists(options.crio_socket)) crio_cri = std::make_shared<CriPodLabels>(options.crio_socket);
    } else {
      throw Error(ErrorCode::InvalidArgument, "--runtimes: unknown runtime \"" + runtime +
                                                  "\" (docker, containerd, cri-o, podman)");
    }
  }
  for (const auto& [runtime, root] : options.oci_roots) {
    sources.push_back(make_oci_state_source(runtime, root, crio_cri));
  }
  std::error_code ec;
  for (const auto& ns : fs::directory_iterator(options.containerd_runc_root, ec)) {
    if (!in_containerd_namespace(options, ns.path())) continue;
    sources.push_back(make_oci_state_source("containerd", ns.path().string(), containerd_cri));
  }
  // Endpoints the user named must exist; defaults that do not are simply not installed.
  for (const auto& path : options.explicit_paths) {
    if (!fs::exists(path)) warn("runtime socket " + path + " does not exist");
  }
  return sources;
}

std::vector<std::string> watch_dirs(const SourceOptions& options) {
  std::vector<std::string> dirs;
  std::error_code ec;
  for (const auto& [runtime, root] : options.oci_roots) {
    if (fs::is_directory(root, ec)) dirs.push_back(root);
  }
  for (const auto& ns : fs::directory_iterator(options.containerd_runc_root, ec)) {
    if (in_containerd_namespace(options, ns.path())) dirs.push_back(ns.path().string());
  }
  return dirs;
}

ContainerCache::ContainerCache(std::vector<std::unique_ptr<ContainerSource>> sources, Warn warn)
    : warn_(std::move(warn)) {
  for (auto& s : sources) sources_.push_back({std::move(s)});
  // The host's own namespaces never need a lookup refresh.
  for (uint32_t pid : {1u, static_cast<uint32_t>(getpid())}) {
    if (uint64_t ns = mntns_of(pid)) host_mntns_.insert(ns);
    if (uint64_t ns = netns_of(pid)) host_netns_.insert(ns);
  }
}

ContainerCache::~ContainerCache() {
  if (watcher_.joinable()) {
    uint64_t one = 1;
    if (write(stop_fd_, &one, sizeof one) != sizeof one) std::terminate();
    watcher_.join();
  }
  if (inotify_fd_ >= 0) close(inotify_fd_);
  if (stop_fd_ >= 0) close(stop_fd_);
}

void ContainerCache::on_added(OnAdded callback) {
  std::lock_guard lock(mutex_);
  on_added_ = std::move(callback);
  if (!on_added_) return;
  for (const auto& [ns, c] : by_mntns_) {
    if (!c->pod_sandbox) on_added_(*c);
  }
}

void ContainerCache::on_stopped(OnStopped callback) {
  std::lock_guard lock(mutex_);
  on_stopped_ = std::move(callback);
}

void ContainerCache::refresh() {
  std::lock_guard lock(mutex_);
  refresh_locked();
}

void ContainerCache::refresh_locked() {
  const auto now = Clock::now();
  last_refresh_ = now;
  for (auto& state : sources_) {
    if (state.failing && now < state.retry_at) continue;
    std::vector<Container> found;
    try {
      found = state.source->list(warn_);
    } catch (const Error& e) {
      // An engine whose socket does not exist is not installed: nothing to warn about (a
      // path the user gave was already reported by make_sources).
      if (!state.warned && state.source->present()) {
        warn_(std::string(e.what()) + "; enriching from the other sources");
        state.warned = true;
      }
      state.failing = true;
      state.retry_at = now + std::chrono::seconds(5);
      continue;
    }
    if (state.warned) warn_(state.source->describe() + ": reachable again");
    state.failing = false;
    state.warned = false;
    const int rank = state.source->rank();
    state.listed.clear();
    for (auto& c : found) {
      const uint64_t ns = c.mntns;
      state.listed.insert(ns);
      auto it = by_mntns_.find(ns);
      const bool was_stopped = stopped_.erase(ns) > 0;
      const bool is_new = it == by_mntns_.end() || it->second->id != c.id || was_stopped;
      // The same container seen by an engine and by its runtime's state dir: the engine's
      // view (with the name) wins, also when the engine misses one refresh.
      if (!is_new && rank_[ns] < rank) continue;
      rank_[ns] = rank;
      // A better source may rename a known container: selection by name must see it again.
      const bool changed = is_new || it->second->name != c.name;
      c.k8s.pod_labels_text = join_pod_labels(c.k8s.pod_labels);
      auto ptr = std::make_shared<const Container>(std::move(c));
      by_mntns_[ns] = ptr;
      if (changed && on_added_ && !ptr->pod_sandbox) on_added_(*ptr);
    }
  }
  // Stopped: no source lists it any more. A source that cannot be read keeps its last list,
  // so an outage never stops a container.
  for (const auto& [ns, c] : by_mntns_) {
    bool listed = false;
    for (const auto& state : sources_) listed = listed || state.listed.count(ns) > 0;
    if (listed || !stopped_.insert(ns).second) continue;
    if (on_stopped_ && !c->pod_sandbox) on_stopped_(*c);
  }
}

ContainerCache::Ptr ContainerCache::lookup(uint64_t mntns) {
  std::lock_guard lock(mutex_);
  auto it = by_mntns_.find(mntns);
  if (it != by_mntns_.end()) return it->second->pod_sandbox ? nullptr : it->second;
  if (mntns == 0 || host_mntns_.count(mntns)) return nullptr;
  if (Clock::now() - last_refresh_ < miss_interval_) return nullptr;
  refresh_locked();
  it = by_mntns_.find(mntns);
  return it == by_mntns_.end() || it->second->pod_sandbox ? nullptr : it->second;
}

ContainerCache::Ptr ContainerCache::lookup_netns(uint64_t netns) const {
  if (netns == 0 || host_netns_.count(netns)) return nullptr;
  std::lock_guard lock(mutex_);
  Ptr found;
  for (const auto& [ns, c] : by_mntns_) {
    if (c->netns != netns || c->pod_sandbox || stopped_.count(ns)) continue;
    if (found) return nullptr;  // shared: which one sent it is unknown
    found = c;
  }
  return found;
}

std::vector<ContainerCache::Ptr> ContainerCache::containers() const {
  std::lock_guard lock(mutex_);
  std::vector<Ptr> out;
  for (const auto& [ns, c] : by_mntns_) {
    if (!c->pod_sandbox) out.push_back(c);
  }
  return out;
}

void ContainerCache::watch(const std::vector<std::string>& dirs,
                           std::chrono::milliseconds interval) {
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  stop_fd_ = eventfd(0, EFD_CLOEXEC);
  if (stop_fd_ < 0) throw Error(ErrorCode::Internal, "eventfd failed");
  if (inotify_fd_ >= 0) {
    for (const auto& dir : dirs) {
      add_watch(dir, 0);
      std::error_code ec;
      for (const auto& sub : fs::directory_iterator(dir, ec)) {
        if (sub.is_directory(ec)) add_watch(sub.path().string(), 1);
      }
    }
  }
  watcher_ = std::thread([this, interval] { watch_loop(interval); });
}

void ContainerCache::add_watch(const std::string& dir, int depth) {
  const int wd = inotify_add_watch(inotify_fd_, dir.c_str(),
                                   IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR);
  if (wd >= 0) watched_[wd] = {dir, depth};
}

void ContainerCache::watch_loop(std::chrono::milliseconds interval) {
  alignas(struct inotify_event) char buf[4096];
  for (;;) {
    struct pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    const int n = poll(fds, inotify_fd_ >= 0 ? 2 : 1, static_cast<int>(interval.count()));
    if (n > 0 && (fds[0].revents & POLLIN)) return;
    if (n > 0 && (fds[1].revents & POLLIN)) {
      ssize_t len;
      while ((len = read(inotify_fd_, buf, sizeof buf)) > 0) {
        for (char* p = buf; p < buf + len;) {
          auto* ev = reinterpret_cast<struct inotify_event*>(p);
          p += sizeof(struct inotify_event) + ev->len;
          // A new container dir: its state file is written into it a moment later.
          auto dir = watched_.find(ev->wd);
          if ((ev->mask & IN_ISDIR) && (ev->mask & IN_CREATE) && ev->len > 0 &&
              dir != watched_.end() && dir->second.second == 0) {
            add_watch(dir->second.first + "/" + ev->name, 1);
          }
        }
      }
    }
    refresh();
  }
}

}  // namespace ig::runner::enrich
