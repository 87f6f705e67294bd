// Debug output on stderr (registry requests, libbpf's messages): on with -v/--verbose, with
// INSPEKTOR_GADGET_VERBOSE=true through the configuration, or with IG_DEBUG=1.
#pragma once

#include <atomic>
#include <cstdlib>
#include <string>

namespace ig {

namespace detail {
inline std::atomic<int>& debug_state() {
  static std::atomic<int> state{-1};  // -1: not decided yet, then 0 or 1
  return state;
}
}  // namespace detail

inline bool debug_enabled() {
  int state = detail::debug_state().load();
  if (state < 0) {
    const char* env = std::getenv("IG_DEBUG");
    state = env != nullptr && *env != '\0' && std::string(env) != "0" ? 1 : 0;
    detail::debug_state().store(state);
  }
  return state == 1;
}

inline void enable_debug() { detail::debug_state().store(1); }

}  // namespace ig
