// The cosign signature formats ig accepts, as pure functions over bytes (no store access), so
// they can be fuzzed: simple-signing payloads, signature manifests, Sigstore bundles (DSSE).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "oci/descriptor.hpp"

namespace ig::trust {

inline constexpr std::string_view kSignatureAnnotation = "dev.cosignproject.cosign/signature";
inline constexpr std::string_view kSimpleSigningType = "cosign container image signature";
inline constexpr std::string_view kCosignSignatureArtifactType = "application/vnd.dev.cosign.artifact.sig.v1+json";
inline constexpr std::string_view kBundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json";
inline constexpr std::string_view kNotationArtifactType = "application/vnd.cncf.notary.signature";
inline constexpr std::string_view kDssePayloadTypeInToto = "application/vnd.in-toto+json";

// The simple-signing payload cosign signs, byte for byte as Go's encoding/json emits it:
// {"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-digest":D},
//  "type":"cosign container image signature"},"optional":null}
std::string make_simple_signing_payload(const std::string& docker_reference, const oci::Digest& digest);

struct SimpleSigningClaims {
  std::string type;             // critical.type
  std::string manifest_digest;  // critical.image.docker-manifest-digest
  std::string docker_reference; // critical.identity.docker-reference (informational)
};
// Throws Error(InvalidArgument) naming what is malformed.
SimpleSigningClaims parse_simple_signing_payload(std::string_view json);

// The config blob cosign writes for a signature manifest (a go-containerregistry empty image
// with the payload as its only layer).
std::string make_signature_config(const oci::Digest& payload_digest);

// The one signed layer of a cosign signature manifest (legacy or OCI 1.1).
struct SignedLayer {
  oci::Descriptor payload;  // the simple-signing payload blob
  std::string signature;    // raw signature bytes (base64-decoded annotation)
};
// Exactly one layer of the simple-signing media type carrying the signature annotation, as
// upstream ig requires (an image signed twice by cosign has two layers and is refused).
SignedLayer signed_layer(const oci::Manifest& manifest);

// The type a referrer manifest declares: artifactType, else the config media type.
std::string artifact_type_of(const oci::Manifest& manifest);

// DSSE pre-authentication encoding: "DSSEv1 <len(type)> <type> <len(body)> <body>".
std::string dsse_pae(std::string_view payload_type, std::string_view payload);

struct DsseSignature {
  std::string payload_type;
  std::string payload;    // decoded
  std::string signature;  // decoded
};
// A Sigstore bundle (protobuf JSON) holding a DSSE envelope with exactly one signature.
DsseSignature parse_bundle(std::string_view json);
// The layer of a bundle referrer manifest that holds the bundle.
oci::Descriptor bundle_layer(const oci::Manifest& manifest);

// "alg:hex" digests of the first subject of an in-toto statement (the one upstream checks).
std::vector<std::string> intoto_subject_digests(std::string_view statement);

}  // namespace ig::trust
