#include "trust/verify.hpp"

#include "trust/formats.hpp"
#include "trust/signatures.hpp"
#include "util/error.hpp"

namespace ig::trust {

namespace {

// One signature to check: what was signed, the signature, and how to read the claims.
struct Candidate {
  std::string format;
  std::string where;  // "tag sha256-<hex>.sig", "referrer sha256:..."
  std::string signed_bytes;
  std::string signature;
  std::string payload;  // simple-signing JSON or in-toto statement
  bool bundle = false;
};

Candidate simple_signing_candidate(oci::LayoutStore& store, const oci::Manifest& manifest,
                                   std::string format, std::string where) {
  SignedLayer layer = signed_layer(manifest);
  Candidate c;
  c.format = std::move(format);
  c.where = std::move(where);
  c.payload = oci::read_all(store, layer.payload);
  c.signed_bytes = c.payload;
  c.signature = std::move(layer.signature);
  return c;
}

Candidate bundle_candidate(oci::LayoutStore& store, const oci::Manifest& manifest, std::string where) {
  DsseSignature dsse = parse_bundle(oci::read_all(store, bundle_layer(manifest)));
  Candidate c;
  c.format = "bundle";
  c.where = std::move(where);
  c.signed_bytes = dsse_pae(dsse.payload_type, dsse.payload);
  c.signature = std::move(dsse.signature);
  c.payload = std::move(dsse.payload);
  c.bundle = true;
  return c;
}

// Empty string when the claims name `digest`; else the reason they do not.
std::string check_claims(const Candidate& c, const oci::Digest& digest) {
  if (c.bundle) {
    for (const auto& d : intoto_subject_digests(c.payload)) {
      if (d == digest.str()) return "";
    }
    return "the signature is for another image (its in-toto subject is not " + digest.str() + ")";
  }
  SimpleSigningClaims claims = parse_simple_signing_payload(c.payload);
  if (claims.type != kSimpleSigningType) {
    return "the signed payload has type \"" + claims.type + "\", not \"" + std::string(kSimpleSigningType) + "\"";
  }
  if (claims.manifest_digest != digest.str()) {
    return "the signature is for another image (" + claims.manifest_digest + "), not " + digest.str();
  }
  return "";
}

}  // namespace

VerifyResult verify_image(oci::LayoutStore& store, const oci::Reference& ref,
                          const std::vector<PublicKey>& keys) {
  const std::string image = ref.str();
  if (keys.empty()) throw Error(ErrorCode::InvalidArgument, "image " + image + ": no public keys to verify with");
  oci::Descriptor desc = store.resolve(image);
  const oci::Digest& digest = desc.digest;

  SignatureArtefacts found = find_signatures(store, digest);
  if (found.empty()) {
    throw Error(ErrorCode::NotFound, "image " + image + " is not signed: no signature found in the local store "
                                     "(looked for " + legacy_signature_tag(digest) + " and referrers of " +
                                     digest.str() + ")");
  }

  std::vector<std::string> reasons;
  auto attempt = [&](auto&& load) {
    Candidate c;
    try {
      c = load();
    } catch (const Error& e) {
      reasons.push_back(e.what());
      return std::optional<VerifyResult>();
    }
    const PublicKey* matched = nullptr;
    for (const auto& key : keys) {
      if (key.verify(c.signed_bytes, c.signature)) {
        matched = &key;
        break;
      }
    }
    if (matched == nullptr) {
      reasons.push_back(c.format + " signature (" + c.where + ") does not verify with the " +
                        (keys.size() == 1 ? "public key " + keys.front().source()
                                          : std::to_string(keys.size()) + " public keys") +
                        " (wrong key or tampered payload)");
      return std::optional<VerifyResult>();
    }
    // Claims are read only once the signature is known to be genuine.
    std::string mismatch;
    try {
      mismatch = check_claims(c, digest);
    } catch (const Error& e) {
      mismatch = e.what();
    }
    if (!mismatch.empty()) {
      reasons.push_back(c.format + " signature (" + c.where + "): " + mismatch);
      return std::optional<VerifyResult>();
    }
    return std::optional<VerifyResult>(VerifyResult{digest, c.format, matched->source()});
  };

  if (found.legacy) {
    std::string where = "tag " + legacy_signature_tag(digest);
    auto r = attempt([&] {
      return simple_signing_candidate(store, oci::parse_manifest(oci::read_all(store, *found.legacy)),
                                      "legacy", where);
    });
    if (r) return *r;
  }
  for (const auto& referrer : found.referrers) {
    std::string where = "referrer " + referrer.descriptor.digest.str();
    std::optional<VerifyResult> r;
    if (referrer.artifact_type == kCosignSignatureArtifactType) {
      r = attempt([&] { return simple_signing_candidate(store, referrer.manifest, "oci 1.1", where); });
    } else if (referrer.artifact_type == kBundleMediaType) {
      r = attempt([&] { return bundle_candidate(store, referrer.manifest, where); });
    } else {
      reasons.push_back("notation signature (" + where + ") is not supported");
    }
    if (r) return *r;
  }
  std::string joined;
  for (const auto& r : reasons) joined += (joined.empty() ? "" : "; ") + r;
  throw Error(ErrorCode::Denied, "image " + image + " failed signature verification: " + joined);
}

VerifyResult verify_image(oci::LayoutStore& store, const oci::Reference& ref,
                          const std::vector<std::string>& public_keys) {
  return verify_image(store, ref, load_public_keys(public_keys));
}

void check_allowed_gadgets(const oci::Reference& ref, const oci::Digest& index_digest,
                           const std::vector<std::string>& allowed) {
  if (allowed.empty()) return;
  const std::string image = ref.str();
  const std::string pinned = ref.name() + "@" + index_digest.str();
  std::string list;
  for (const auto& entry : allowed) {
    if (entry == image || entry == pinned) return;
    if (!entry.empty() && entry.back() == '*' && image.starts_with(std::string_view(entry).substr(0, entry.size() - 1)))
      return;
    list += (list.empty() ? "" : ", ") + entry;
  }
  throw Error(ErrorCode::Denied, image + " is not part of allowed gadgets: " + list);
}

}  // namespace ig::trust
