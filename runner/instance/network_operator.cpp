#include <fcntl.h>
#include <bpf/libbpf.h>

#include <mutex>

#include "runner/instance/instance.hpp"
#include "runner/instance/operators.hpp"
#include "runner/network/core_target.hpp"
#include "runner/network/socket_enricher.hpp"
#include "runner/network/socket_filters.hpp"
#include "util/error.hpp"

namespace ig::runner {
namespace {

using Clock = GadgetOperator::Clock;

bool has_socket_map(struct bpf_object* obj) {
  return obj && bpf_object__find_map_by_name(obj, "gadget_sockets") != nullptr;
}

// Network gadgets: the socket enricher behind sockets-map.h, and socket filters attached in
// the network namespace of each selected container (and the host's with --host), including
// containers started later.
class NetworkOperator : public GadgetOperator {
 public:
  std::string_view name() const override { return "network"; }

  void instantiate(GadgetInstance& instance) override {
    if (!instance.gadget().spec || !has_socket_map(instance.gadget().spec.get())) return;
    core_target_ = std::make_unique<network::CoreTarget>();
    instance.core_btf_path = core_target_->path();
    enricher_ = std::make_unique<network::SocketEnricher>(
        [&instance](const std::string& line) { instance.warn(line); });
  }

  void configure(GadgetInstance&, GadgetProgram& program) override {
    if (!enricher_) return;
    struct bpf_map* map = bpf_object__find_map_by_name(program.object(), "gadget_sockets");
    if (bpf_map__reuse_fd(map, enricher_->map_fd()) != 0) {
      throw Error(ErrorCode::Kernel, "giving the socket enricher's map to the gadget failed");
    }
  }

  void loaded(GadgetInstance&, GadgetProgram& program) override {
    if (network::has_socket_filters(program.object())) {
      std::lock_guard lock(mutex_);
      filters_ = std::make_unique<network::SocketFilters>(program.object());
    }
  }

  void unloaded(GadgetInstance&) override {
    std::lock_guard lock(mutex_);
    filters_.reset();
  }

  // After the eBPF operator's start: the gadget's readers exist, no packet is missed.
  void start(GadgetInstance& instance) override {
    if (!filters_) return;
    if (instance.network_namespaces) {
      std::lock_guard lock(mutex_);
      for (const auto& netns : instance.network_namespaces()) filters_->attach(netns.get());
    }
    if (!instance.on_selected_container) return;
    instance.on_selected_container([this, &instance](const enrich::Container& c) {
      attach_container(instance, c);
    });
  }

  Clock::time_point tick(GadgetInstance&, Clock::time_point now) override {
    if (!enricher_) return kNever;
    if (now >= next_sweep_) {
      enricher_->sweep();
      next_sweep_ = now + std::chrono::seconds(1);
    }
    return next_sweep_;
  }

 private:
  // From the container watcher's thread.
  void attach_container(GadgetInstance& instance, const enrich::Container& c) {
    UniqueFd netns(open(("/proc/" + std::to_string(c.pid) + "/ns/net").c_str(),
                        O_RDONLY | O_CLOEXEC));
    if (netns.get() < 0) return;  // gone already
    std::lock_guard lock(mutex_);
    if (!filters_) return;
    try {
      filters_->attach(netns.get());
    } catch (const Error& e) {
      instance.warn(std::string(e.what()) + " (container " + c.name + ")");
    }
  }

  std::unique_ptr<network::CoreTarget> core_target_;
  std::unique_ptr<network::SocketEnricher> enricher_;
  std::mutex mutex_;  // filters_, from the main and the container watcher's thread
  std::unique_ptr<network::SocketFilters> filters_;
  Clock::time_point next_sweep_{};
};

}  // namespace

namespace operators {
std::unique_ptr<GadgetOperator> make_network_operator() {
  return std::make_unique<NetworkOperator>();
}
}  // namespace operators

}  // namespace ig::runner
