#include "runner/acquire.hpp"


#include "oci/remote/transfer.hpp"
#include "trust/signatures.hpp"
#include "trust/transfer.hpp"
#include "trust/verify.hpp"
#include "util/error.hpp"

namespace ig::runner {
namespace {

oci::remote::RegistryOptions registry_options(const RunOptions &options,
                                              const std::function<void(const std::string &)> &warn) {
  return {.authfile = options.authfile, .insecure_registries = options.insecure_registries, .warn = warn};
}

bool in_store(oci::LayoutStore &store, const oci::Reference &ref) {
  try {
    store.resolve(ref.str());
    return true;
  } catch (const Error &e) {
    if (e.code() != ErrorCode::NotFound) throw;
    return false;
  }
}

}  // namespace

oci::Reference acquire_image(const RunOptions &options, oci::LayoutStore &store,
                             const std::function<void(const std::string &)> &warn) {
  if (options.pull != "always" && options.pull != "missing" && options.pull != "never")
    throw Error(ErrorCode::InvalidArgument,
                "--pull: invalid value \"" + options.pull + "\" (always, missing or never)");
  oci::Reference ref = oci::parse_reference(options.image);
  auto registry = registry_options(options, warn);

  if (options.pull == "always" || (options.pull == "missing" && !in_store(store, ref))) {
    try {
      trust::pull_with_signatures(ref, store, registry, "", warn);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Interrupted) throw;
      throw Error(e.code(), "pull " + ref.str() + ": " + e.what());
    }
  }

  auto index = store.resolve(ref.str());
  trust::check_allowed_gadgets(ref, index.digest, options.allowed_gadgets);

  if (!options.verify_image) {
    warn(
        "gadget signature verification is disabled due to using corresponding "
        "option");
    return ref;
  }
  try {
    trust::verify_image(store, ref, options.public_keys);
  } catch (const Error &e) {
    // Signatures not in the store: fetch them from the image's registry and try
    // once more, as upstream does. With --pull never the store is all we may
    // use (air-gapped hosts).
    if (e.code() != ErrorCode::NotFound || options.pull == "never") throw;
    try {
      trust::fetch_signatures(ref, index.digest, store, registry);
    } catch (const Error &fetch_error) {
      throw Error(ErrorCode::Denied, std::string(e.what()) + "; fetching signatures from " +
                                         ref.registry + " failed: " + fetch_error.what());
    }
    trust::verify_image(store, ref, options.public_keys);
  }
  return ref;
}

}  // namespace ig::runner
