#include "trust/sign.hpp"

#include "oci/media_types.hpp"
#include "trust/formats.hpp"
#include "trust/signatures.hpp"
#include "util/error.hpp"

namespace ig::trust {

namespace {

oci::Descriptor store_blob(oci::LayoutStore& store, std::string_view media_type, const std::string& bytes) {
  oci::Descriptor desc = oci::describe(media_type, bytes);
  auto reader = oci::make_memory_reader(bytes);
  store.push(desc, *reader);
  return desc;
}

}  // namespace

SignResult sign_image(oci::LayoutStore& store, const oci::Reference& ref, const PrivateKey& key) {
  SignResult result;
  result.image = store.resolve(ref.str());
  result.tag = legacy_signature_tag(result.image.digest);

  std::string payload = make_simple_signing_payload(ref.name(), result.image.digest);
  oci::Descriptor layer = store_blob(store, oci::media_type::kCosignSimpleSigning, payload);
  layer.annotations[std::string(kSignatureAnnotation)] = base64_encode(key.sign(payload));

  oci::Manifest manifest;
  manifest.media_type = oci::media_type::kImageManifest;
  manifest.config = store_blob(store, oci::media_type::kImageConfig, make_signature_config(layer.digest));
  manifest.layers.push_back(layer);
  result.signature = store_blob(store, oci::media_type::kImageManifest, oci::serialize(manifest));

  try {
    result.replaced = store.resolve(result.tag).digest != result.signature.digest;
  } catch (const Error& e) {
    if (e.code() != ErrorCode::NotFound) throw;
  }
  store.tag(result.signature, result.tag);
  // The replaced signature manifest is garbage now.
  if (result.replaced) store.collect_garbage();
  return result;
}

}  // namespace ig::trust
