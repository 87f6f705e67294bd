// Classifier programs (sections classifier/ingress|egress/NAME) attached to network interfaces
// as upstream's tc handler attaches them: a clsact qdisc on the interface, and per program a
// dispatcher filter that stamps the namespace of the traffic's owner into skb->cb[0] and
// tail-calls the gadget's program (loaded once for all interfaces).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runner/program.hpp"
#include "util/unique_fd.hpp"

struct bpf_object;
struct bpf_program;

namespace ig::runner::network {

// The classifier programs (classifier/...) of the object that will load; none for null (an
// operator-only image).
std::vector<struct bpf_program*> classifier_programs(struct bpf_object* obj);

// Whether the object has a classifier program that will load.
bool has_classifiers(struct bpf_object* obj);

// The run flags of a classifier gadget, as upstream's: --iface, and a packet filter flag per
// gadget_pf_NAME function (--pf for the unnamed one, --pf-NAME), with their descriptions.
std::vector<std::pair<std::string, std::string>> classifier_flags(struct bpf_object* obj);

// The host-side ends (interface indexes in ig's namespace) of the veth pairs of the network
// namespace `netns_fd` refers to, as a container's interfaces are seen from the host.
std::vector<int> host_peers(int netns_fd);

// Index of interface `name` in ig's network namespace. Throws Error(NotFound) naming it.
int interface_index(const std::string& name);

class TcAttachments {
 public:
  // Takes the loaded classifier programs of `gadget`. Throws Error.
  explicit TcAttachments(struct bpf_object* gadget);
  // Detaches every filter, and removes the clsact qdiscs this object created.
  ~TcAttachments();
  TcAttachments(const TcAttachments&) = delete;
  TcAttachments& operator=(const TcAttachments&) = delete;

  // Attaches every program to interface `ifindex` of ig's namespace, once per interface, with
  // `netns` (an inode) as the traffic's namespace. On the host end of a container's veth
  // (`peer_side`), the container's ingress is the interface's egress: directions swap.
  void attach(int ifindex, uint32_t netns, bool peer_side);

 private:
  struct Program {
    std::string name;
    bool ingress = true;
    UniqueFd tail_call;
  };
  struct Filter;
  static void detach(std::vector<Filter>& filters);
  static Filter attach_one(const Program& program, int ifindex, uint32_t netns, bool peer_side,
                           const char* interface);

  std::vector<Program> programs_;
  std::map<int, std::vector<Filter>> attached_;  // by interface index
  std::vector<int> created_qdiscs_;
};

}  // namespace ig::runner::network
