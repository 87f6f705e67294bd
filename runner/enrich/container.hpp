// What the runner knows about one container: the values of the runtime.* fields and the mount
// namespace that ties kernel events to it (spec ig-compat.md §4.3, §4.6).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ig::runner::enrich {

struct Container {
  std::string id;
  std::string name;
  std::string runtime;       // "docker", "podman", "containerd", "runc", "crun"
  std::string image;         // image name as the engine reports it, may be empty
  std::string image_digest;  // may be empty
  uint32_t pid = 0;          // init process (host pid namespace)
  uint64_t mntns = 0;        // inode of /proc/<pid>/ns/mnt
  uint64_t netns = 0;        // inode of /proc/<pid>/ns/net: packets without an owner map to it
};

// `-c/--containername` semantics: a comma list of names; `!name` excludes. With only exclusions
// every other container matches.
class NameSelector {
 public:
  NameSelector() = default;
  explicit NameSelector(const std::vector<std::string>& entries);
  bool empty() const { return include_.empty() && exclude_.empty(); }
  bool matches(const std::string& name) const;

 private:
  std::vector<std::string> include_;
  std::vector<std::string> exclude_;
};

// Mount (network) namespace inode of a process, 0 if it is gone or unreadable.
uint64_t mntns_of(uint32_t pid);
uint64_t netns_of(uint32_t pid);

}  // namespace ig::runner::enrich
