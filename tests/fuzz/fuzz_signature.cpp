// libFuzzer target: everything the verifier parses from a store before and after checking a
// signature (signature manifests, simple-signing payloads, Sigstore bundles, in-toto
// statements, base64 annotations). Malformed input must end in ig::Error, never in a crash,
// a leak or another exception type.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oci/descriptor.hpp"
#include "trust/crypto.hpp"
#include "trust/formats.hpp"
#include "util/error.hpp"

namespace {

template <typename F>
void tolerate(F&& f) {
  try {
    f();
  } catch (const ig::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  using namespace ig::trust;
  tolerate([&] {
    auto manifest = ig::oci::parse_manifest(input);
    (void)artifact_type_of(manifest);
    tolerate([&] { (void)signed_layer(manifest); });
    tolerate([&] { (void)bundle_layer(manifest); });
  });
  tolerate([&] { (void)parse_simple_signing_payload(input); });
  tolerate([&] {
    auto dsse = parse_bundle(input);
    (void)dsse_pae(dsse.payload_type, dsse.payload);
    tolerate([&] { (void)intoto_subject_digests(dsse.payload); });
  });
  tolerate([&] { (void)intoto_subject_digests(input); });
  if (auto decoded = base64_decode(input)) {
    // Canonical base64 round-trips exactly.
    if (base64_encode(*decoded) != input) __builtin_trap();
  }
  (void)base64_decode(input, /*lenient=*/true);
  return 0;
}
