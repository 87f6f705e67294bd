// The dispatchers of bpf/dispatcher.bpf.c: in front of a gadget's socket filter or classifier,
// they stamp a network namespace into skb->cb[0] and tail-call it.
#pragma once

#include <cstdint>
#include <string>

#include "runner/program.hpp"
#include "util/unique_fd.hpp"

struct bpf_program;

namespace ig::runner::network {

enum class DispatcherKind { SocketFilter, Classifier };

// A one-slot program array holding the loaded `prog`. Throws Error.
UniqueFd make_tail_call(struct bpf_program* prog);

// A loaded dispatcher of `kind` for namespace inode `netns`, tail-calling through `tail_call`;
// `what` names the gadget program in errors. Throws Error.
ObjectPtr load_dispatcher(DispatcherKind kind, uint32_t netns, int tail_call,
                          const std::string& what);

// The dispatcher's program in an object load_dispatcher returned.
int dispatcher_fd(struct bpf_object* dispatcher, DispatcherKind kind);

}  // namespace ig::runner::network
