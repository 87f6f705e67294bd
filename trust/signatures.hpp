// Where signature artefacts of an image live in a target, and copying them along with the
// image (push, pull, copy, export, import). Tags are bare, as upstream ig stores them:
// "sha256-<hex>.sig" (cosign legacy) and "sha256-<hex>" (the referrers tag-schema index).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "oci/descriptor.hpp"
#include "oci/target.hpp"

namespace ig::trust {

std::string legacy_signature_tag(const oci::Digest& image);  // "sha256-<hex>.sig"
std::string referrers_tag(const oci::Digest& image);         // "sha256-<hex>"
// Both tags above: what to look for (and carry) next to an image.
std::vector<std::string> signature_tags(const oci::Digest& image);

// A referrer manifest of the image, with its declared type (read from the manifest itself,
// since referrers-tag indexes written by some tools carry a wrong artifactType).
struct Referrer {
  oci::Descriptor descriptor;
  oci::Manifest manifest;
  std::string artifact_type;
};

struct SignatureArtefacts {
  std::optional<oci::Descriptor> legacy;  // the manifest tagged sha256-<hex>.sig
  std::vector<Referrer> referrers;        // signature-type referrers whose subject is the image
  bool empty() const { return !legacy && referrers.empty(); }
};

// Finds the signature artefacts of `image` in `target`: the legacy tag, and referrers of the
// cosign, Sigstore-bundle and notation types found through the registry's referrers API (for
// remote repositories), the "sha256-<hex>" tag index, and (in a local store) untagged
// manifests listed in index.json, as oras-go's store records them. Referrers whose manifest
// cannot be read are skipped. At most 42 referrers are inspected, as upstream does.
SignatureArtefacts find_signatures(oci::ReadOnlyTarget& target, const oci::Digest& image);

// Copies the signature artefacts of `image` that exist in `src` into `dst`: the legacy
// signature under the same tag, referrer manifests by digest (a registry maintains its own
// referrers tag when they are pushed; other targets get the "sha256-<hex>" index, merged with
// what is there). Absent artefacts are ignored. Returns how many manifests were copied.
size_t copy_signatures(oci::ReadOnlyTarget& src, oci::Target& dst, const oci::Digest& image);

}  // namespace ig::trust
