// Stage 0 of a run: make sure the image is in the local store (pull policy),
// that it may run
// (--allowed-gadgets) and that it is signed by a trusted key (--verify-image),
// before anything is read from it or loaded into the kernel.
#pragma once

#include <functional>
#include <string>

#include "oci/layout_store.hpp"
#include "oci/reference.hpp"
#include "runner/run.hpp"

namespace ig::runner {

// Returns the normalised reference, now resolvable in `store`. Throws
// Error(NotFound) for an absent image under --pull never, Error(Denied) for a
// refused or unverifiable image.
oci::Reference acquire_image(const RunOptions &options, oci::LayoutStore &store,
                             const std::function<void(const std::string &)> &warn);

}  // namespace ig::runner
