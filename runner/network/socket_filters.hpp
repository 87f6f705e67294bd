// Socket filter programs (sections socket*) of a gadget, attached in network namespaces.
// The gadget's program is loaded once; in each namespace a dispatcher (bpf/dispatcher.bpf.c)
// stamps the namespace's inode into the packet and tail-calls it, and an AF_PACKET socket of
// that namespace carries the dispatcher (SO_ATTACH_BPF), as upstream's network tracer does.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "runner/program.hpp"
#include "util/unique_fd.hpp"

namespace ig::runner::network {

// Whether the object has a socket filter program that will load.
bool has_socket_filters(struct bpf_object* obj);

class SocketFilters {
 public:
  // Takes the loaded socket filter programs of `gadget`. Throws Error.
  explicit SocketFilters(struct bpf_object* gadget);
  ~SocketFilters();
  SocketFilters(const SocketFilters&) = delete;
  SocketFilters& operator=(const SocketFilters&) = delete;

  // Attaches every program in the network namespace `netns_fd` refers to, once per namespace.
  // Throws Error.
  void attach(int netns_fd);

 private:
  struct Dispatcher;

  std::vector<std::string> names_;  // the gadget's socket filter programs
  std::vector<UniqueFd> tail_calls_;  // per program: a prog array holding it
  std::map<ino_t, std::vector<Dispatcher>> attached_;
};

}  // namespace ig::runner::network
