#include "runner/network/tc_attach.hpp"

#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "runner/network/dispatcher.hpp"
#include "runner/network/filter_injection.hpp"
#include "runner/network/netns.hpp"
#include "util/error.hpp"

namespace ig::runner::network {

std::vector<struct bpf_program*> classifier_programs(struct bpf_object* obj) {
  std::vector<struct bpf_program*> out;
  if (!obj) return out;
  struct bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    if (bpf_program__type(prog) == BPF_PROG_TYPE_SCHED_CLS && bpf_program__autoload(prog) &&
        std::string_view(bpf_program__section_name(prog)).starts_with("classifier/")) {
      out.push_back(prog);
    }
  }
  return out;
}

namespace {

// "classifier/ingress/NAME" -> true, "classifier/egress/NAME" -> false.
bool ingress_section(const std::string& section) {
  const size_t first = section.find('/');
  const size_t second = section.find('/', first + 1);
  const std::string direction = section.substr(first + 1, second - first - 1);
  if (second == std::string::npos || (direction != "ingress" && direction != "egress")) {
    throw Error(ErrorCode::InvalidArgument, "classifier section \"" + section +
                                                "\" is not classifier/ingress|egress/NAME");
  }
  return direction == "ingress";
}

// Whether an IFLA_LINKINFO attribute says "veth".
bool is_veth(struct rtattr* linkinfo) {
  int length = static_cast<int>(RTA_PAYLOAD(linkinfo));
  for (auto* a = static_cast<struct rtattr*>(RTA_DATA(linkinfo)); RTA_OK(a, length);
       a = RTA_NEXT(a, length)) {
    if (a->rta_type == IFLA_INFO_KIND) {
      return std::string_view(static_cast<const char*>(RTA_DATA(a)), RTA_PAYLOAD(a)).starts_with("veth");
    }
  }
  return false;
}

// The peers (IFLA_LINK, indexes in the other namespace) of the calling thread's namespace's
// veth links that are up, as upstream picks a container's interfaces.
std::vector<int> peers_from_netlink() {
  UniqueFd sock(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (sock.get() < 0) throw Error(ErrorCode::Kernel, std::string("netlink: ") + std::strerror(errno));
  struct {
    struct nlmsghdr header;
    struct ifinfomsg info;
  } request{};
  request.header = {sizeof request, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 1, 0};
  request.info.ifi_family = AF_UNSPEC;
  if (send(sock.get(), &request, sizeof request, 0) < 0) {
    throw Error(ErrorCode::Kernel, std::string("netlink: ") + std::strerror(errno));
  }
  std::vector<int> peers;
  std::vector<char> buffer(1 << 16);
  for (;;) {
    const ssize_t n = recv(sock.get(), buffer.data(), buffer.size(), 0);
    if (n < 0) throw Error(ErrorCode::Kernel, std::string("netlink: ") + std::strerror(errno));
    int length = static_cast<int>(n);
    for (auto* m = reinterpret_cast<struct nlmsghdr*>(buffer.data()); NLMSG_OK(m, length);
         m = NLMSG_NEXT(m, length)) {
      if (m->nlmsg_type == NLMSG_DONE) return peers;
      if (m->nlmsg_type == NLMSG_ERROR) throw Error(ErrorCode::Kernel, "netlink: link dump failed");
      auto* info = static_cast<struct ifinfomsg*>(NLMSG_DATA(m));
      if ((info->ifi_flags & IFF_UP) == 0) continue;
      int attributes = static_cast<int>(IFLA_PAYLOAD(m));
      int link = 0;
      bool veth = false;
      for (auto* a = IFLA_RTA(info); RTA_OK(a, attributes); a = RTA_NEXT(a, attributes)) {
        if (a->rta_type == IFLA_LINK) std::memcpy(&link, RTA_DATA(a), sizeof link);
        if (a->rta_type == IFLA_LINKINFO) veth = is_veth(a);
      }
      if (link > 0 && veth) peers.push_back(link);
    }
  }
}

}  // namespace

bool has_classifiers(struct bpf_object* obj) { return !classifier_programs(obj).empty(); }

std::vector<std::pair<std::string, std::string>> classifier_flags(struct bpf_object* obj) {
  std::vector<std::pair<std::string, std::string>> flags;
  if (!has_classifiers(obj)) return flags;
  flags.emplace_back("iface", "Network interface to attach to");
  for (const auto& name : packet_filter_names(obj)) {
    flags.emplace_back(name.empty() ? "pf" : "pf-" + name,
                       "Packet filter" + (name.empty() ? "" : " " + name) + " (pcap syntax)");
  }
  return flags;
}

std::vector<int> host_peers(int netns_fd) {
  std::vector<int> peers;
  run_in_netns(netns_fd, [&] { peers = peers_from_netlink(); });
  return peers;
}

int interface_index(const std::string& name) {
  const unsigned index = if_nametoindex(name.c_str());
  if (index == 0) {
    throw Error(ErrorCode::NotFound, "--iface " + name + ": no such network interface");
  }
  return static_cast<int>(index);
}

struct TcAttachments::Filter {
  ObjectPtr dispatcher;
  struct bpf_tc_hook hook;
  struct bpf_tc_opts opts;
};

TcAttachments::TcAttachments(struct bpf_object* gadget) {
  for (struct bpf_program* prog : classifier_programs(gadget)) {
    programs_.push_back(
        {bpf_program__name(prog), ingress_section(bpf_program__section_name(prog)), make_tail_call(prog)});
  }
}

void TcAttachments::detach(std::vector<Filter>& filters) {
  for (auto& f : filters) {
    f.opts.flags = f.opts.prog_fd = f.opts.prog_id = 0;  // handle and priority name the filter
    bpf_tc_detach(&f.hook, &f.opts);
  }
  filters.clear();
}

TcAttachments::~TcAttachments() {
  for (auto& [ifindex, filters] : attached_) detach(filters);
  for (int ifindex : created_qdiscs_) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
                .attach_point = static_cast<enum bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
    bpf_tc_hook_destroy(&hook);
  }
}

TcAttachments::Filter TcAttachments::attach_one(const Program& program, int ifindex, uint32_t netns,
                                                bool peer_side, const char* interface) {
  Filter f{load_dispatcher(DispatcherKind::Classifier, netns, program.tail_call.get(),
                           "classifier " + program.name),
           {}, {}};
  const bool ingress = program.ingress != peer_side;
  f.hook = {.sz = sizeof f.hook, .ifindex = ifindex,
            .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS};
  f.opts = {.sz = sizeof f.opts,
            .prog_fd = dispatcher_fd(f.dispatcher.get(), DispatcherKind::Classifier)};
  if (const int err = bpf_tc_attach(&f.hook, &f.opts); err != 0) {
    throw Error(ErrorCode::Kernel, "attaching classifier " + program.name + " to " + interface +
                                       ": " + std::strerror(-err));
  }
  return f;
}

void TcAttachments::attach(int ifindex, uint32_t netns, bool peer_side) {
  if (programs_.empty() || attached_.contains(ifindex)) return;
  char name[IF_NAMESIZE] = "?";
  if_indextoname(static_cast<unsigned>(ifindex), name);
  LIBBPF_OPTS(bpf_tc_hook, qdisc, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
  const int created = bpf_tc_hook_create(&qdisc);
  if (created == 0) {
    created_qdiscs_.push_back(ifindex);
  } else if (created != -EEXIST) {
    throw Error(ErrorCode::Kernel, std::string("creating a clsact qdisc on ") + name + ": " +
                                       std::strerror(-created));
  }
  std::vector<Filter> filters;
  try {
    for (const auto& program : programs_) filters.push_back(attach_one(program, ifindex, netns, peer_side, name));
  } catch (...) {
    detach(filters);
    throw;
  }
  attached_.emplace(ifindex, std::move(filters));
}

}  // namespace ig::runner::network
