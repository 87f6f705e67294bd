#include "trust/transfer.hpp"

#include <algorithm>

#include "oci/remote/mirrors.hpp"
#include "oci/remote/repository.hpp"
#include "oci/remote/transfer.hpp"
#include "trust/signatures.hpp"
#include "util/error.hpp"

namespace ig::trust {
namespace {

// Registry options for talking to `endpoint`: a mirror marked insecure in registries.conf is
// reached over plain HTTP like the --insecure-registries ones.
oci::remote::RegistryOptions options_for(const oci::remote::Endpoint& endpoint,
                                         oci::remote::RegistryOptions options) {
  auto& insecure = options.insecure_registries;
  if (endpoint.insecure &&
      std::find(insecure.begin(), insecure.end(), endpoint.reference.registry) == insecure.end())
    insecure.push_back(endpoint.reference.registry);
  return options;
}

size_t copy_signatures_from(const oci::remote::Endpoint& endpoint, const oci::Digest& image,
                            oci::LayoutStore& store, const oci::remote::RegistryOptions& options) {
  oci::remote::Repository remote(endpoint.reference, options_for(endpoint, options));
  return copy_signatures(remote, store, image);
}

}  // namespace

size_t fetch_signatures(const oci::Reference& ref, const oci::Digest& image,
                        oci::LayoutStore& store, const oci::remote::RegistryOptions& options) {
  // Signatures live next to the image: try the same endpoints a pull would, in order.
  auto endpoints = oci::remote::pull_endpoints(ref, oci::remote::load_registries_conf());
  std::string failures;
  for (const auto& endpoint : endpoints) {
    try {
      return copy_signatures_from(endpoint, image, store, options);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Interrupted) throw;
      failures += (failures.empty() ? "" : "; ") + endpoint.reference.name() + ": " + e.what();
    }
  }
  throw Error(ErrorCode::Network, failures);
}

oci::Descriptor pull_with_signatures(const oci::Reference& ref, oci::LayoutStore& store,
                                     const oci::remote::RegistryOptions& options,
                                     const std::string& platform,
                                     const std::function<void(const std::string&)>& on_warning,
                                     const oci::CopyOptions& copy) {
  auto pulled = oci::remote::pull_with_mirrors(ref, store, options,
                                               oci::remote::load_registries_conf(), platform, copy);
  try {
    copy_signatures_from(pulled.served_by, pulled.root.digest, store, options);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::Interrupted) throw;
    on_warning("pulled " + ref.str() + " without its signatures: " + e.what());
  }
  return pulled.root;
}

oci::Descriptor push_with_signatures(const oci::Reference& ref, oci::LayoutStore& store,
                                     const oci::remote::RegistryOptions& options,
                                     const oci::CopyOptions& copy) {
  auto desc = oci::remote::push_image(ref, store, options, copy);
  oci::remote::Repository remote(ref, options);
  copy_signatures(store, remote, desc.digest);
  return desc;
}

oci::Descriptor copy_with_signatures(const oci::Reference& src, const oci::Reference& dst,
                                     const oci::remote::RegistryOptions& options,
                                     const oci::CopyOptions& copy) {
  auto desc = oci::remote::copy_image(src, dst, options, copy);
  oci::remote::Repository from(src, options);
  oci::remote::Repository to(dst, options);
  copy_signatures(from, to, desc.digest);
  return desc;
}

}  // namespace ig::trust
