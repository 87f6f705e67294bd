// mount namespace id -> container, merged from every source. Refreshed on a short interval and
// when an event names an unknown mount namespace (rate-limited), so containers started while
// `ig run` is running are picked up.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runner/enrich/container.hpp"
#include "runner/enrich/sources.hpp"
#include "util/host_root.hpp"

namespace ig::runner::enrich {

struct SourceOptions {
  // -r/--runtimes: docker, containerd, cri-o, podman (upstream default: all four).
  std::vector<std::string> runtimes = {"docker", "containerd", "cri-o", "podman"};
  // The defaults are the host's, under $HOST_ROOT when ig runs in a container.
  std::string docker_socket = host_path("/run/docker.sock");
  std::string containerd_socket = host_path("/run/containerd/containerd.sock");
  std::string podman_socket = host_path("/run/podman/podman.sock");
  std::string crio_socket = host_path("/run/crio/crio.sock");
  // Paths the user typed: a missing endpoint is then worth a warning.
  std::set<std::string> explicit_paths;
  // OCI runtime state dirs, scanned whatever --runtimes says: they are not engines.
  std::vector<std::pair<std::string, std::string>> oci_roots = {{"runc", host_path("/run/runc")},
                                                                {"crun", host_path("/run/crun")}};
  // runc roots of containerd shims (/run/containerd/runc/<namespace>), one level deeper.
  std::string containerd_runc_root = host_path("/run/containerd/runc");
  // --containerd-namespace: containerd's containers of this namespace only; empty: all.
  std::string containerd_namespace;
};

// Builds the sources for `options`. Throws Error(InvalidArgument) for an unknown runtime name.
std::vector<std::unique_ptr<ContainerSource>> make_sources(
    const SourceOptions& options, const std::function<void(const std::string&)>& warn);

// Thread-safe: a watcher thread refreshes it while the event loop looks containers up.
// The state directories worth watching for new containers (those that exist now).
std::vector<std::string> watch_dirs(const SourceOptions& options);

class ContainerCache {
 public:
  using Warn = std::function<void(const std::string&)>;
  using OnAdded = std::function<void(const Container&)>;
  using OnStopped = std::function<void(const Container&)>;
  using Ptr = std::shared_ptr<const Container>;

  ContainerCache(std::vector<std::unique_ptr<ContainerSource>> sources, Warn warn);
  ~ContainerCache();
  ContainerCache(const ContainerCache&) = delete;
  ContainerCache& operator=(const ContainerCache&) = delete;

  // Called (under the cache's lock) for every container seen for the first time or under a
  // new name, and right away for the ones already known.
  void on_added(OnAdded callback);

  // Called (under the cache's lock) once a known container is listed by no source any more:
  // its mount namespace id may be reused from then on.
  void on_stopped(OnStopped callback);

  // Re-reads every source now.
  void refresh();
  // The container of `mntns`, or null (host or unknown). A miss triggers a refresh at most
  // every `miss_interval`.
  Ptr lookup(uint64_t mntns);
  // The one container in network namespace `netns` (upstream's enrichment by netns, for
  // packets no socket owner is known for); null for the host's, a namespace several
  // containers share (a pod) and an unknown one.
  Ptr lookup_netns(uint64_t netns) const;
  std::vector<Ptr> containers() const;
  void set_miss_interval(std::chrono::milliseconds interval) { miss_interval_ = interval; }

  // Starts a thread that refreshes every `interval` and as soon as a file appears or changes
  // in `dirs` (and their subdirectories, one level): runtimes write their state there when a
  // container is created, before it runs, so -c selects it from its first event.
  void watch(const std::vector<std::string>& dirs, std::chrono::milliseconds interval);

 private:
  using Clock = std::chrono::steady_clock;
  struct SourceState {
    std::unique_ptr<ContainerSource> source;
    bool failing = false;  // retried on the back-off below
    bool warned = false;   // one warning per outage
    Clock::time_point retry_at{};
    std::set<uint64_t> listed;  // mount namespaces in its last successful list
  };
  void refresh_locked();
  void watch_loop(std::chrono::milliseconds interval);
  void add_watch(const std::string& dir, int depth);

  mutable std::mutex mutex_;
  std::vector<SourceState> sources_;
  Warn warn_;
  OnAdded on_added_;
  OnStopped on_stopped_;
  // A container stays known after it stops, so late events from its ring-buffer backlog are
  // still enriched; a new container in the same namespace replaces it.
  std::unordered_map<uint64_t, Ptr> by_mntns_;
  std::set<uint64_t> stopped_;
  std::unordered_map<uint64_t, int> rank_;
  std::set<uint64_t> host_mntns_;
  std::set<uint64_t> host_netns_;
  Clock::time_point last_refresh_{};
  std::chrono::milliseconds miss_interval_{200};
  int inotify_fd_ = -1;
  std::unordered_map<int, std::pair<std::string, int>> watched_;  // wd -> dir, depth
  int stop_fd_ = -1;                                              // eventfd that ends the watcher
  std::thread watcher_;
};

}  // namespace ig::runner::enrich
