#include <fcntl.h>
#include <sys/stat.h>

#include <mutex>
#include <set>

#include "runner/enrich/container_cache.hpp"
#include "runner/enrich/mntns_filter.hpp"
#include "runner/instance/instance.hpp"
#include "runner/instance/operators.hpp"
#include "util/error.hpp"
#include "util/host_root.hpp"

namespace ig::runner {
namespace {

std::unique_ptr<enrich::ContainerCache> make_container_cache(GadgetInstance& instance) {
  const enrich::SourceOptions& sources = instance.options().containers;
  const auto warn = [&instance](const std::string& line) { instance.warn(line); };
  auto cache = std::make_unique<enrich::ContainerCache>(enrich::make_sources(sources, warn), warn);
  cache->refresh();
  cache->watch(enrich::watch_dirs(sources), std::chrono::seconds(1));
  return cache;
}

// Without --host only containers are shown (all of them, or those -c selects); the selection
// happens in the kernel through the gadget's mount-namespace filter map when it has one, else
// in user space.
class ContainersOperator : public GadgetOperator {
 public:
  std::string_view name() const override { return "containers"; }

  void instantiate(GadgetInstance& instance) override {
    host_ = instance.options().host;
    const RunOptions& o = instance.options();
    selector_ = enrich::ContainerSelector(
        {o.container_names, o.k8s_namespaces, o.k8s_pod_names, o.k8s_container_names, o.k8s_selector});
    if (host_ && !selector_.empty()) {
      instance.warn("-c/--containername and --k8s-* have no effect with --host");
    }
    cache_ = make_container_cache(instance);
    instance.network_namespaces = [this] { return network_namespaces(); };
    instance.process_roots = [this] { return process_roots(); };
    instance.on_selected_container = [this](GadgetInstance::ContainerCallback callback) {
      std::lock_guard lock(subscribers_mutex_);
      subscribers_.push_back(std::move(callback));
    };
  }

  void configure(GadgetInstance&, GadgetProgram& program) override {
    kernel_filter_ = !host_ && enrich::enable_mntns_filter(program.object());
  }

  void loaded(GadgetInstance& instance, GadgetProgram& program) override {
    if (kernel_filter_) filter_map_ = std::make_unique<enrich::MntnsFilterMap>(program.object());
    watch_additions(instance);
  }

  void enrich(GadgetInstance& instance) override {
    EventEnrichers& e = instance.enrichers();
    e.node = instance.options().node_name;
    e.host_netns = enrich::netns_of(1);
    e.container = [cache = cache_.get()](uint64_t mntns) { return cache->lookup(mntns); };
    e.container_by_netns = [cache = cache_.get()](uint64_t netns) {
      return cache->lookup_netns(netns);
    };
    if (!host_ && !kernel_filter_) {
      e.keep = [this](const enrich::Container* c) {
        return c != nullptr && selector_.matches(*c);
      };
    }
  }

  // The watcher thread must not touch a map of a released object, nor call an operator
  // that let its programs go.
  void unloaded(GadgetInstance&) override {
    cache_->on_added(nullptr);
    cache_->on_stopped(nullptr);
    filter_map_.reset();
    std::lock_guard lock(subscribers_mutex_);
    subscribers_.clear();
  }

 private:
  bool selected(const enrich::Container& c) const { return host_ || selector_.matches(c); }

  // Runs for the containers known now and, from the watcher thread, for later ones: the
  // kernel filter follows the selection, and subscribers hear of the selected ones.
  void watch_additions(GadgetInstance& instance) {
    cache_->on_added([this, &instance, map = filter_map_.get()](const enrich::Container& c) {
      try {
        if (map && selector_.matches(c)) {
          map->add(c.mntns);
        } else if (map) {
          map->remove(c.mntns);  // a container renamed out of the selection leaves it
        }
        std::lock_guard lock(subscribers_mutex_);
        if (selected(c)) {
          for (const auto& subscriber : subscribers_) subscriber(c);
        }
      } catch (const Error& e) {
        instance.warn(std::string(e.what()) + " (container " + c.name + ")");
      }
    });
    if (!filter_map_) return;
    // Its namespace id may be given to another process or container later.
    cache_->on_stopped([&instance, map = filter_map_.get()](const enrich::Container& c) {
      try {
        map->remove(c.mntns);
      } catch (const Error& e) {
        instance.warn(e.what());
      }
    });
  }

  // Those of the selected containers and, with --host, ig's own; each once. A container that
  // is gone by now is skipped.
  std::vector<UniqueFd> network_namespaces() const {
    std::vector<UniqueFd> out;
    std::set<ino_t> seen;
    const auto add = [&](const std::string& path) {
      UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
      struct stat st;
      if (fd.get() < 0 || fstat(fd.get(), &st) != 0 || !seen.insert(st.st_ino).second) return;
      out.push_back(std::move(fd));
    };
    if (host_) add("/proc/self/ns/net");
    for (const auto& c : cache_->containers()) {
      if (!host_ && !selector_.empty() && !selector_.matches(*c)) continue;
      add("/proc/" + std::to_string(c->pid) + "/ns/net");
    }
    return out;
  }

  std::vector<std::string> process_roots() const {
    std::vector<std::string> out;
    if (host_) out.push_back(host_path("/"));
    for (const auto& c : cache_->containers()) {
      if (!host_ && !selector_.empty() && !selector_.matches(*c)) continue;
      out.push_back("/proc/" + std::to_string(c->pid) + "/root");
    }
    return out;
  }

  bool host_ = false;
  enrich::ContainerSelector selector_;
  std::unique_ptr<enrich::ContainerCache> cache_;
  bool kernel_filter_ = false;
  std::unique_ptr<enrich::MntnsFilterMap> filter_map_;
  std::mutex subscribers_mutex_;
  std::vector<GadgetInstance::ContainerCallback> subscribers_;
};

}  // namespace

namespace operators {
std::unique_ptr<GadgetOperator> make_containers_operator() {
  return std::make_unique<ContainersOperator>();
}
}  // namespace operators

}  // namespace ig::runner
