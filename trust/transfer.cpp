#include "trust/transfer.hpp"

#include "oci/remote/repository.hpp"
#include "oci/remote/transfer.hpp"
#include "trust/signatures.hpp"
#include "util/error.hpp"

namespace ig::trust {

size_t fetch_signatures(const oci::Reference &ref, const oci::Digest &image,
                        oci::LayoutStore &store, const oci::remote::RegistryOptions &options) {
  oci::remote::Repository remote(ref, options);
  return copy_signatures(remote, store, image);
}

oci::Descriptor pull_with_signatures(const oci::Reference &ref, oci::LayoutStore &store,
                                     const oci::remote::RegistryOptions &options,
                                     const std::string &platform,
                                     void (*on_warning)(const std::string &)) {
  auto desc = oci::remote::pull_image(ref, store, options, platform);
  try {
    fetch_signatures(ref, desc.digest, store, options);
  } catch (const Error &e) {
    if (e.code() == ErrorCode::Interrupted) throw;
    on_warning("pulled " + ref.str() + " without its signatures: " + e.what());
  }
  return desc;
}

oci::Descriptor push_with_signatures(const oci::Reference &ref, oci::LayoutStore &store,
                                     const oci::remote::RegistryOptions &options) {
  auto desc = oci::remote::push_image(ref, store, options);
  oci::remote::Repository remote(ref, options);
  copy_signatures(store, remote, desc.digest);
  return desc;
}

oci::Descriptor copy_with_signatures(const oci::Reference &src, const oci::Reference &dst,
                                     const oci::remote::RegistryOptions &options) {
  auto desc = oci::remote::copy_image(src, dst, options);
  oci::remote::Repository from(src, options);
  oci::remote::Repository to(dst, options);
  copy_signatures(from, to, desc.digest);
  return desc;
}

}  // namespace ig::trust
