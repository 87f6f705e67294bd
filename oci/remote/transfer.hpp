// Push, pull and registry-to-registry copy of whole images: oci::copy between a LayoutStore
// and remote Repositories.
#pragma once

#include <string>

#include "oci/copy.hpp"
#include "oci/descriptor.hpp"
#include "oci/layout_store.hpp"
#include "oci/reference.hpp"
#include "oci/remote/options.hpp"

namespace ig::oci::remote {

// `base` (concurrency, progress hooks) with the platform of `--platform`: "linux/<arch>" reduces
// an index to one manifest; empty copies every platform. Throws Error(InvalidArgument) for
// anything else. (Pulls go through pull_with_mirrors in oci/remote/mirrors.hpp.)
CopyOptions platform_copy_options(const std::string& platform, CopyOptions base = {});

// Copies the store's image `ref` to its registry. `copy` carries the concurrency and the progress
// hooks (its platform is ignored).
Descriptor push_image(const Reference& ref, LayoutStore& store, const RegistryOptions& options,
                      const CopyOptions& copy = {});

// Registry to registry, without going through the store. Blobs are mounted across
// repositories when both references are on the same registry.
Descriptor copy_image(const Reference& src, const Reference& dst, const RegistryOptions& options,
                      const CopyOptions& copy = {});

}  // namespace ig::oci::remote
