// The socket enricher (bpf/socket_enricher.bpf.c): the map of include/gadget/sockets-map.h
// filled with the owner of every TCP and UDP socket, for network gadgets to look up.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "runner/program.hpp"

namespace ig::runner::network {

class SocketEnricher {
 public:
  // Loads the enricher, attaches its kprobes and records the sockets open now. Where kprobes
  // cannot attach, `warn` says so and only the sockets open now are known. Throws Error.
  explicit SocketEnricher(const std::function<void(const std::string&)>& warn);

  // The map to give a gadget in place of its own gadget_sockets.
  int map_fd() const;
  // Deletes the entries of sockets released more than `grace` ago; returns how many.
  size_t sweep(std::chrono::nanoseconds grace = std::chrono::seconds(2));

 private:
  std::string elf_;  // libbpf points into it for the object's lifetime
  std::unique_ptr<GadgetProgram> program_;
};

}  // namespace ig::runner::network
