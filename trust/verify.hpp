// Offline verification of gadget images against the local store alone (upstream ig's
// VerifyGadgetImage with the keyed cosign formats), and the --allowed-gadgets check.
#pragma once

#include <string>
#include <vector>

#include "oci/layout_store.hpp"
#include "oci/reference.hpp"
#include "trust/crypto.hpp"

namespace ig::trust {

struct VerifyResult {
  oci::Digest digest;      // the verified image (index) digest
  std::string format;      // "legacy", "oci 1.1" or "bundle"
  std::string key_source;  // which public key matched
};

// Verifies that the digest `ref` resolves to in `store` carries a signature by one of `keys`,
// in any of the formats upstream accepts: the cosign legacy tag sha256-<hex>.sig, an OCI 1.1
// cosign referrer (via the sha256-<hex> referrers tag index or an untagged index.json entry),
// or a Sigstore bundle v0.3 referrer in keyed mode. A signature counts only if it verifies and
// names exactly this digest. Failures throw one line naming the image and the reason:
// Error(NotFound) when the image or any signature is absent (the caller may fetch signatures
// and retry, as upstream does), Error(Denied) when signatures exist but none is acceptable.
VerifyResult verify_image(oci::LayoutStore& store, const oci::Reference& ref,
                          const std::vector<PublicKey>& keys);
// Same, with --public-keys values (PEM text or file paths; empty = default_public_keys()).
VerifyResult verify_image(oci::LayoutStore& store, const oci::Reference& ref,
                          const std::vector<std::string>& public_keys);

// Upstream --allowed-gadgets semantics: an empty list allows everything; otherwise an entry
// must equal ref.str() ("host/repo:tag"), or "host/repo@<index_digest>", or be a prefix of
// ref.str() when it ends in '*'. Throws Error(Denied) "<image> is not part of allowed
// gadgets: <list>".
void check_allowed_gadgets(const oci::Reference& ref, const oci::Digest& index_digest,
                           const std::vector<std::string>& allowed);

}  // namespace ig::trust
