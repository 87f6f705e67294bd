// The eBPF objects of runner/network/bpf/, embedded in ig (bpf_objects.S).
#pragma once

#include <string_view>

extern "C" const char ig_socket_enricher_object[], ig_socket_enricher_object_end[];
extern "C" const char ig_dispatcher_object[], ig_dispatcher_object_end[];

namespace ig::runner::network {

inline std::string_view socket_enricher_object() {
  return {ig_socket_enricher_object,
          static_cast<size_t>(ig_socket_enricher_object_end - ig_socket_enricher_object)};
}

inline std::string_view dispatcher_object() {
  return {ig_dispatcher_object, static_cast<size_t>(ig_dispatcher_object_end - ig_dispatcher_object)};
}

}  // namespace ig::runner::network
