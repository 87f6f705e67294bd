#include <fcntl.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

#include <mutex>

#include "runner/instance/instance.hpp"
#include "runner/instance/operators.hpp"
#include "runner/params.hpp"
#include "runner/network/core_target.hpp"
#include "runner/network/socket_enricher.hpp"
#include "runner/network/filter_injection.hpp"
#include "runner/network/packet_filter.hpp"
#include "runner/network/socket_filters.hpp"
#include "runner/network/tc_attach.hpp"
#include "util/error.hpp"

namespace ig::runner {
namespace {

using Clock = GadgetOperator::Clock;

bool has_socket_map(struct bpf_object* obj) {
  return obj && bpf_object__find_map_by_name(obj, "gadget_sockets") != nullptr;
}

uint32_t netns_inode(int netns_fd) {
  struct stat st;
  return fstat(netns_fd, &st) == 0 ? static_cast<uint32_t>(st.st_ino) : 0;
}

// Network gadgets: the socket enricher behind sockets-map.h; socket filters attached in the
// network namespace of each selected container (and the host's with --host); classifiers on
// the host ends of each selected container's interfaces, or on --iface, with the packet
// filters of packetfilter.h (--pf, --pf-NAME). Containers started later are included.
class NetworkOperator : public GadgetOperator {
 public:
  std::string_view name() const override { return "network"; }

  void instantiate(GadgetInstance& instance) override {
    if (!instance.gadget().spec) return;
    take_classifier_flags(instance);
    UniqueFd own(open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
    own_netns_ = netns_inode(own.get());
    if (!has_socket_map(instance.gadget().spec.get())) return;
    core_target_ = std::make_unique<network::CoreTarget>();
    instance.core_btf_path = core_target_->path();
    enricher_ = std::make_unique<network::SocketEnricher>(
        [&instance](const std::string& line) { instance.warn(line); });
  }

  void configure(GadgetInstance&, GadgetProgram& program) override {
    for (struct bpf_program* prog : network::classifier_programs(program.object())) {
      network::set_packet_filters(program.object(), prog, packet_filters_);
      filtered_.push_back(prog);
    }
    if (!enricher_) return;
    struct bpf_map* map = bpf_object__find_map_by_name(program.object(), "gadget_sockets");
    if (bpf_map__reuse_fd(map, enricher_->map_fd()) != 0) {
      throw Error(ErrorCode::Kernel, "giving the socket enricher's map to the gadget failed");
    }
  }

  void loaded(GadgetInstance&, GadgetProgram& program) override {
    forget_packet_filters();
    std::lock_guard lock(mutex_);
    if (network::has_socket_filters(program.object())) {
      filters_ = std::make_unique<network::SocketFilters>(program.object());
    }
    if (network::has_classifiers(program.object())) {
      classifiers_ = std::make_unique<network::TcAttachments>(program.object());
    }
  }

  void unloaded(GadgetInstance&) override {
    forget_packet_filters();  // a failed load did not reach loaded()
    std::lock_guard lock(mutex_);
    filters_.reset();
    classifiers_.reset();
  }

  // After the eBPF operator's start: the gadget's readers exist, no packet is missed.
  void start(GadgetInstance& instance) override {
    if (!filters_ && !classifiers_) return;
    if (classifiers_ && !iface_.empty()) {
      std::lock_guard lock(mutex_);
      classifiers_->attach(network::interface_index(iface_), own_netns_, false);
    }
    if (instance.network_namespaces) {
      std::lock_guard lock(mutex_);
      for (const auto& netns : instance.network_namespaces()) attach_in(netns.get());
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
  // Upstream's flags of classifier gadgets: --iface, and --pf (gadget_pf_) or --pf-NAME
  // (gadget_pf_NAME) for each packet filter, compiled once, now, so that a bad one fails first.
  void take_classifier_flags(GadgetInstance& instance) {
    for (const auto& [flag, description] : network::classifier_flags(instance.gadget().spec.get())) {
      std::string value = take_flag(instance.gadget_args(), flag).value_or("");
      if (flag == "iface") {
        iface_ = std::move(value);
        continue;
      }
      if (value.empty()) continue;  // the function's own body: every non-empty packet
      try {
        packet_filters_[flag == "pf" ? "" : flag.substr(3)] = network::compile_packet_filter(value);
      } catch (const Error& e) {
        throw Error(ErrorCode::InvalidArgument, "--" + flag + ": " + e.what());
      }
    }
  }

  void forget_packet_filters() {
    for (const struct bpf_program* prog : filtered_) network::clear_packet_filters(prog);
    filtered_.clear();
  }

  // Socket filters in the namespace; classifiers on the host ends of its interfaces (not in
  // ig's own namespace: --iface names those). Called with mutex_ held.
  void attach_in(int netns_fd) {
    if (filters_) filters_->attach(netns_fd);
    if (!classifiers_ || !iface_.empty()) return;
    const uint32_t netns = netns_inode(netns_fd);
    if (netns == own_netns_) return;
    for (int peer : network::host_peers(netns_fd)) classifiers_->attach(peer, netns, true);
  }

  // From the container watcher's thread.
  void attach_container(GadgetInstance& instance, const enrich::Container& c) {
    UniqueFd netns(open(("/proc/" + std::to_string(c.pid) + "/ns/net").c_str(),
                        O_RDONLY | O_CLOEXEC));
    if (netns.get() < 0) return;  // gone already
    std::lock_guard lock(mutex_);
    if (!filters_ && !classifiers_) return;
    try {
      attach_in(netns.get());
    } catch (const Error& e) {
      instance.warn(std::string(e.what()) + " (container " + c.name + ")");
    }
  }

  std::unique_ptr<network::CoreTarget> core_target_;
  std::unique_ptr<network::SocketEnricher> enricher_;
  std::mutex mutex_;  // filters_, classifiers_: from the main and the container watcher's thread
  std::unique_ptr<network::SocketFilters> filters_;
  std::unique_ptr<network::TcAttachments> classifiers_;
  std::string iface_;                                    // --iface
  uint32_t own_netns_ = 0;                               // ig's network namespace (inode)
  std::map<std::string, std::vector<struct bpf_insn>> packet_filters_;  // gadget_pf_ NAME -> code
  std::vector<const struct bpf_program*> filtered_;     // given filters for the next load
  Clock::time_point next_sweep_{};
};

}  // namespace

namespace operators {
std::unique_ptr<GadgetOperator> make_network_operator() {
  return std::make_unique<NetworkOperator>();
}
}  // namespace operators

}  // namespace ig::runner
