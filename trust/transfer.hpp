// Push, pull and copy that carry an image's signature artefacts along with it,
// so a signed image stays verifiable wherever it goes (store -> registry ->
// another store).
#pragma once

#include <functional>
#include <string>

#include "oci/copy.hpp"
#include "oci/layout_store.hpp"
#include "oci/reference.hpp"
#include "oci/remote/options.hpp"

namespace ig::trust {

// Pulls the image, then its signatures. A pull succeeds without signatures
// (upstream only warns); `on_warning` receives the reason. `copy` (concurrency, progress hooks)
// applies to the image; signatures are small and copied with the defaults.
oci::Descriptor pull_with_signatures(const oci::Reference &ref, oci::LayoutStore &store,
                                     const oci::remote::RegistryOptions &options,
                                     const std::string &platform,
                                     const std::function<void(const std::string &)> &on_warning,
                                     const oci::CopyOptions &copy = {});

// Pushes the image and every signature artefact the store has for it.
oci::Descriptor push_with_signatures(const oci::Reference &ref, oci::LayoutStore &store,
                                     const oci::remote::RegistryOptions &options,
                                     const oci::CopyOptions &copy = {});

// Registry to registry, image then signatures.
oci::Descriptor copy_with_signatures(const oci::Reference &src, const oci::Reference &dst,
                                     const oci::remote::RegistryOptions &options,
                                     const oci::CopyOptions &copy = {});

// Fetches the signatures of `image` from the registry of `ref` into the store;
// returns how many signature manifests were copied.
size_t fetch_signatures(const oci::Reference &ref, const oci::Digest &image,
                        oci::LayoutStore &store, const oci::remote::RegistryOptions &options);

}  // namespace ig::trust
