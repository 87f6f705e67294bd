// Push, pull and registry-to-registry copy of whole images: oci::copy between a LayoutStore
// and remote Repositories.
#pragma once

#include <string>

#include "oci/descriptor.hpp"
#include "oci/layout_store.hpp"
#include "oci/reference.hpp"
#include "oci/remote/options.hpp"

namespace ig::oci::remote {

// Copies `ref` from its registry into `store` and tags it there as ref.str(). `platform`
// ("linux/amd64", or empty for all platforms) reduces an index to one manifest. Returns the
// root descriptor. This is what `ig image pull` and the runner's --pull policy call.
Descriptor pull_image(const Reference& ref, LayoutStore& store, const RegistryOptions& options,
                      const std::string& platform = "");

// Copies the store's image `ref` to its registry.
Descriptor push_image(const Reference& ref, LayoutStore& store, const RegistryOptions& options);

// Registry to registry, without going through the store. Blobs are mounted across
// repositories when both references are on the same registry.
Descriptor copy_image(const Reference& src, const Reference& dst, const RegistryOptions& options);

}  // namespace ig::oci::remote

namespace ig::oci {
using remote::pull_image;
using remote::RegistryOptions;
}  // namespace ig::oci
