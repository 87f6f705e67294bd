// HOST_ROOT, as upstream names it: where the host's file system is mounted when ig runs in a
// container (its DaemonSet mounts it at /host); unset when ig runs on the host.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>

namespace ig {

// `path` (absolute, on the host) as this process reaches it.
inline std::string host_path(const std::string& path) {
  const char* root = std::getenv("HOST_ROOT");
  if (root == nullptr || *root == '\0' || std::string_view(root) == "/") return path;
  return std::string(root) + path;
}

}  // namespace ig
