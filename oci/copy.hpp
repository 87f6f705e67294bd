// One copy algorithm for every pair of targets: resolve the source reference, copy the graph
// children-first (skipping what the destination already has), verify every node as it streams,
// then tag the root in the destination.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "oci/target.hpp"

namespace ig::oci {

struct CopyOptions {
  // When set, an index is reduced to the manifest of this platform architecture (the index
  // itself is still copied so the tag resolves to the same digest).
  std::optional<std::string> platform_architecture;
  // Nodes of one level of the plan (they do not depend on each other) transferred at once;
  // 3 like oras. Both targets must allow concurrent fetch() and push() when above 1.
  size_t concurrency = 3;
  // Called once, before any transfer, with every node the destination lacks.
  std::function<void(const std::vector<Descriptor>&)> on_planned;
  // Called as the bytes of a node are read from the source, with the bytes read so far. Called
  // from the transfer threads, concurrently for different nodes.
  std::function<void(const Descriptor&, uint64_t transferred)> on_progress;
  // Called after each node is stored in the destination (never concurrently with itself).
  std::function<void(const Descriptor&)> on_copied;
};

Descriptor copy(ReadOnlyTarget& src, const std::string& src_ref, Target& dst,
                const std::string& dst_ref, const CopyOptions& options = {});

// Copies the graph rooted at `root` without tagging.
void copy_graph(ReadOnlyStorage& src, Target& dst, const Descriptor& root,
                const CopyOptions& options = {});

}  // namespace ig::oci
