// One copy algorithm for every pair of targets: resolve the source reference, copy the graph
// children-first (skipping what the destination already has), verify every node as it streams,
// then tag the root in the destination.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "oci/target.hpp"

namespace ig::oci {

struct CopyOptions {
  // When set, an index is reduced to the manifest of this platform architecture (the index
  // itself is still copied so the tag resolves to the same digest).
  std::optional<std::string> platform_architecture;
  // Called after each node is stored in the destination.
  std::function<void(const Descriptor&)> on_copied;
};

Descriptor copy(ReadOnlyTarget& src, const std::string& src_ref, Target& dst,
                const std::string& dst_ref, const CopyOptions& options = {});

// Copies the graph rooted at `root` without tagging.
void copy_graph(ReadOnlyStorage& src, Target& dst, const Descriptor& root,
                const CopyOptions& options = {});

}  // namespace ig::oci
