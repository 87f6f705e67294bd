// `ig image sign`: a cosign legacy ("tag-based") signature of the image index, stored in the
// local store under the bare tag sha256-<hex>.sig as upstream ig stores pulled signatures.
#pragma once

#include "oci/layout_store.hpp"
#include "oci/reference.hpp"
#include "trust/crypto.hpp"

namespace ig::trust {

struct SignResult {
  oci::Descriptor image;      // what the reference resolves to (the signed digest)
  oci::Descriptor signature;  // the signature manifest
  std::string tag;            // "sha256-<hex>.sig"
  bool replaced = false;      // an earlier signature under that tag was replaced
};

// Signs the digest `ref` resolves to in `store`. The payload names ref.name() as the
// docker-reference. Re-signing replaces the signature manifest (one layer, since verifiers
// refuse two). Throws Error(NotFound) when the image is not in the store.
SignResult sign_image(oci::LayoutStore& store, const oci::Reference& ref, const PrivateKey& key);

}  // namespace ig::trust
