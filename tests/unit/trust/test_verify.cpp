#include <gtest/gtest.h>

#include <cstdlib>

#include "oci/media_types.hpp"
#include "oci/reference.hpp"
#include "trust/crypto.hpp"
#include "trust/formats.hpp"
#include "trust/sign.hpp"
#include "trust/signatures.hpp"
#include "trust/verify.hpp"
#include "tests/unit/trust/trust_test_util.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;

namespace ig::trust {
namespace {

using test::make_image;
using test::push_bytes;
using test::TempDir;

// The key pair of upstream's signature tests (pkg/signature/verifier/cosign/verifier_test.go).
constexpr const char* kUpstreamGoodKey =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEn6u8dLv8gnPGFEoAeeRXZ9r1QUqu\n"
    "vxvpnBNH+Gwent1O0IisyCeEYEeGAOVcmqCLFywoF62CUMZIex/Xw56nfw==\n"
    "-----END PUBLIC KEY-----\n";
constexpr const char* kUpstreamWrongKey =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEIur1/9dgnL6gwRsXRoE5tgpiZX0V\n"
    "wE3h/OMa2IqglFFvk8Qh1EX9zr5aASFdRcTKScjrU7uS1y6Z1z3NQe2P+g==\n"
    "-----END PUBLIC KEY-----\n";

std::string error_of(const std::function<void()>& f, ErrorCode* code = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (code != nullptr) *code = e.code();
    return e.what();
  }
  return "";
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

struct Fixture : ::testing::Test {
  TempDir tmp;
  oci::LayoutStore store{tmp.path() / "store"};
  PrivateKey key = PrivateKey::generate_p256();
  std::vector<PublicKey> keys{PublicKey::from_pem(key.public_pem(), "key.pub")};
  oci::Reference ref = oci::parse_reference("localhost:5000/gadgets/trace:v1");
  oci::Reference other_ref = oci::parse_reference("localhost:5000/gadgets/other:v1");
  oci::Descriptor image = make_image(store, ref.str(), "one");
  oci::Descriptor other = make_image(store, other_ref.str(), "two");

  // A simple-signing layer over `payload`, signed by `signer`.
  oci::Descriptor signed_payload_layer(const std::string& payload, const PrivateKey& signer) {
    auto layer = push_bytes(store, oci::media_type::kCosignSimpleSigning, payload);
    layer.annotations[std::string(kSignatureAnnotation)] = base64_encode(signer.sign(payload));
    return layer;
  }
  oci::Descriptor store_manifest(const oci::Manifest& m) {
    return push_bytes(store, oci::media_type::kImageManifest, oci::serialize(m));
  }
  oci::Manifest cosign_manifest(const std::vector<oci::Descriptor>& layers) {
    oci::Manifest m;
    m.media_type = oci::media_type::kImageManifest;
    m.config = push_bytes(store, oci::media_type::kImageConfig, make_signature_config(layers.front().digest));
    m.layers = layers;
    return m;
  }
  std::string verify_error(ErrorCode* code = nullptr) {
    return error_of([&] { verify_image(store, ref, keys); }, code);
  }
};

TEST_F(Fixture, SignThenVerifyRoundTrip) {
  auto signed_ = sign_image(store, ref, key);
  EXPECT_EQ(signed_.image.digest, image.digest);
  EXPECT_EQ(signed_.tag, "sha256-" + image.digest.encoded() + ".sig");
  EXPECT_FALSE(signed_.replaced);
  // Stored under the bare tag, as upstream's store does.
  EXPECT_EQ(store.resolve(signed_.tag).digest, signed_.signature.digest);
  auto result = verify_image(store, ref, keys);
  EXPECT_EQ(result.digest, image.digest);
  EXPECT_EQ(result.format, "legacy");
  EXPECT_EQ(result.key_source, "key.pub");
  // The payload names the repository and the index digest.
  auto manifest = oci::parse_manifest(oci::read_all(store, signed_.signature));
  ASSERT_EQ(manifest.layers.size(), 1u);
  EXPECT_EQ(oci::read_all(store, manifest.layers[0]), make_simple_signing_payload(ref.name(), image.digest));
  EXPECT_EQ(manifest.config.media_type, oci::media_type::kImageConfig);
  // Any of several keys may match.
  std::vector<PublicKey> several{PublicKey::from_pem(PrivateKey::generate_p256().public_pem(), "a"), keys[0]};
  EXPECT_EQ(verify_image(store, ref, several).key_source, "key.pub");
}

TEST_F(Fixture, ResigningReplacesTheSignature) {
  auto first = sign_image(store, ref, key);
  auto second_key = PrivateKey::generate_p256();
  auto second = sign_image(store, ref, second_key);
  EXPECT_TRUE(second.replaced);
  EXPECT_NE(first.signature.digest, second.signature.digest);
  EXPECT_EQ(oci::parse_manifest(oci::read_all(store, second.signature)).layers.size(), 1u);
  EXPECT_FALSE(store.exists(first.signature));  // collected
  EXPECT_CONTAINS(verify_error(), "does not verify");
  EXPECT_NO_THROW(verify_image(store, ref, {PublicKey::from_pem(second_key.public_pem(), "k2")}));
}

TEST_F(Fixture, UnsignedImageIsRefused) {
  ErrorCode code{};
  auto msg = verify_error(&code);
  EXPECT_EQ(code, ErrorCode::NotFound);
  EXPECT_EQ(msg, "image localhost:5000/gadgets/trace:v1 is not signed: no signature found in the local store "
                 "(looked for sha256-" + image.digest.encoded() + ".sig and referrers of " + image.digest.str() + ")");
  // The other image's signature does not count for this one.
  sign_image(store, other_ref, key);
  EXPECT_CONTAINS(verify_error(), "is not signed");
}

TEST_F(Fixture, WrongKeyIsRefused) {
  sign_image(store, ref, PrivateKey::generate_p256());
  ErrorCode code{};
  auto msg = verify_error(&code);
  EXPECT_EQ(code, ErrorCode::Denied);
  EXPECT_EQ(msg, "image localhost:5000/gadgets/trace:v1 failed signature verification: legacy signature (tag sha256-" +
                     image.digest.encoded() + ".sig) does not verify with the public key key.pub (wrong key or tampered payload)");
}

TEST_F(Fixture, SignatureOverAnotherDigestIsRefused) {
  // A genuine signature of the other image, placed under this image's signature tag.
  auto theirs = sign_image(store, other_ref, key);
  store.tag(theirs.signature, legacy_signature_tag(image.digest));
  ErrorCode code{};
  auto msg = verify_error(&code);
  EXPECT_EQ(code, ErrorCode::Denied);
  EXPECT_CONTAINS(msg, "the signature is for another image (" + other.digest.str() + "), not " + image.digest.str());
  EXPECT_CONTAINS(msg, "image localhost:5000/gadgets/trace:v1 ");
}

TEST_F(Fixture, TamperedPayloadIsRefused) {
  // The signature of the genuine payload, attached to a payload naming another digest.
  std::string genuine = make_simple_signing_payload(ref.name(), other.digest);
  std::string forged = make_simple_signing_payload(ref.name(), image.digest);
  auto layer = push_bytes(store, oci::media_type::kCosignSimpleSigning, forged);
  layer.annotations[std::string(kSignatureAnnotation)] = base64_encode(key.sign(genuine));
  store.tag(store_manifest(cosign_manifest({layer})), legacy_signature_tag(image.digest));
  EXPECT_CONTAINS(verify_error(), "does not verify with the public key key.pub (wrong key or tampered payload)");
}

TEST_F(Fixture, PayloadBlobCorruptedOnDiskIsRefused) {
  auto signed_ = sign_image(store, ref, key);
  auto layer = oci::parse_manifest(oci::read_all(store, signed_.signature)).layers[0];
  auto path = store.root() / "blobs" / "sha256" / layer.digest.encoded();
  std::string bytes = test::slurp(path);
  bytes[bytes.find(image.digest.encoded())] ^= 1;
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  test::write_file(path, bytes);
  ErrorCode code{};
  auto msg = verify_error(&code);
  EXPECT_EQ(code, ErrorCode::Denied);
  EXPECT_CONTAINS(msg, "image localhost:5000/gadgets/trace:v1 failed signature verification: ");
}

TEST_F(Fixture, TwoLayersAreRefused) {
  std::string payload = make_simple_signing_payload(ref.name(), image.digest);
  auto a = signed_payload_layer(payload, key);
  auto b = signed_payload_layer(payload + " ", key);
  store.tag(store_manifest(cosign_manifest({a, b})), legacy_signature_tag(image.digest));
  EXPECT_CONTAINS(verify_error(), "signature manifest has 2 layers; exactly one is supported");
}

TEST_F(Fixture, ImageMissingFromStore) {
  ErrorCode code{};
  auto msg = error_of([&] { verify_image(store, oci::parse_reference("localhost:5000/none:v1"), keys); }, &code);
  EXPECT_EQ(code, ErrorCode::NotFound);
  EXPECT_CONTAINS(msg, "localhost:5000/none:v1");
}

// The OCI 1.1 format as cosign --registry-referrers-mode=oci-1-1 writes it: a referrer with
// the cosign artifact type, found through the sha256-<hex> referrers tag index.
oci::Descriptor add_oci11_signature(Fixture& f, const oci::Descriptor& subject, const oci::Digest& claimed,
                                    const PrivateKey& signer) {
  auto layer = f.signed_payload_layer(make_simple_signing_payload(f.ref.name(), claimed), signer);
  oci::Manifest m;
  m.media_type = oci::media_type::kImageManifest;
  m.config = push_bytes(f.store, kCosignSignatureArtifactType, make_signature_config(layer.digest));
  m.layers = {layer};
  m.subject = subject;
  auto md = f.store_manifest(m);
  oci::Index index;
  index.media_type = oci::media_type::kImageIndex;
  auto entry = md;
  entry.artifact_type = std::string(kCosignSignatureArtifactType);
  index.manifests.push_back(entry);
  f.store.tag(push_bytes(f.store, oci::media_type::kImageIndex, oci::serialize(index)), referrers_tag(subject.digest));
  return md;
}

TEST_F(Fixture, Oci11ReferrerFormat) {
  add_oci11_signature(*this, image, image.digest, key);
  auto result = verify_image(store, ref, keys);
  EXPECT_EQ(result.format, "oci 1.1");
}

TEST_F(Fixture, Oci11ReferrerOverAnotherDigestIsRefused) {
  add_oci11_signature(*this, image, other.digest, key);
  EXPECT_CONTAINS(verify_error(), "oci 1.1 signature (referrer sha256:");
  EXPECT_CONTAINS(verify_error(), "the signature is for another image");
}

// A Sigstore bundle v0.3 in keyed mode (cosign sign --new-bundle-format with a key).
struct Bundle {
  std::string statement_subject_hex;
  int signatures = 1;
  bool tamper = false;
};

oci::Descriptor add_bundle(Fixture& f, const Bundle& b, const PrivateKey& signer) {
  std::string statement = R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":")" +
                          b.statement_subject_hex + R"("}}],"predicateType":"https://sigstore.dev/cosign/sign/v1"})";
  std::string type(kDssePayloadTypeInToto);
  std::string sig = base64_encode(signer.sign(dsse_pae(type, statement)));
  if (b.tamper) statement.replace(statement.find("Statement/v1"), 12, "Statement/v2");
  std::string sigs;
  for (int i = 0; i < b.signatures; ++i) sigs += (i ? "," : "") + std::string(R"({"sig":")") + sig + R"(","keyid":""})";
  std::string bundle = R"({"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"x"}},"dsseEnvelope":{"payload":")" +
                       base64_encode(statement) + R"(","payloadType":")" + type + R"(","signatures":[)" + sigs + "]}}";
  oci::Manifest m;
  m.media_type = oci::media_type::kImageManifest;
  m.artifact_type = std::string(kBundleMediaType);
  m.config = push_bytes(f.store, oci::media_type::kEmpty, "{}");
  m.layers = {push_bytes(f.store, kBundleMediaType, bundle)};
  m.subject = f.image;
  auto md = f.store_manifest(m);
  oci::Index index;
  index.media_type = oci::media_type::kImageIndex;
  auto entry = md;
  entry.artifact_type = std::string(oci::media_type::kEmpty);  // as cosign's tag index has it
  index.manifests.push_back(entry);
  f.store.tag(push_bytes(f.store, oci::media_type::kImageIndex, oci::serialize(index)), referrers_tag(f.image.digest));
  return md;
}

TEST_F(Fixture, BundleFormat) {
  add_bundle(*this, {image.digest.encoded()}, key);
  EXPECT_EQ(verify_image(store, ref, keys).format, "bundle");
}

TEST_F(Fixture, BundleRefusals) {
  add_bundle(*this, {other.digest.encoded()}, key);
  EXPECT_CONTAINS(verify_error(), "bundle signature (referrer sha256:");
  EXPECT_CONTAINS(verify_error(), "its in-toto subject is not " + image.digest.str());
  add_bundle(*this, {image.digest.encoded(), 2}, key);
  EXPECT_CONTAINS(verify_error(), "DSSE envelope has 2 signatures; exactly one is supported");
  add_bundle(*this, {image.digest.encoded(), 1, true}, key);
  EXPECT_CONTAINS(verify_error(), "wrong key or tampered payload");
  add_bundle(*this, {image.digest.encoded()}, PrivateKey::generate_p256());
  EXPECT_CONTAINS(verify_error(), "wrong key or tampered payload");
}

// Our signature checked by a second implementation: the openssl command line.
TEST_F(Fixture, OpensslVerifiesOurSignature) {
  auto signed_ = sign_image(store, ref, key);
  auto manifest = oci::parse_manifest(oci::read_all(store, signed_.signature));
  ASSERT_EQ(manifest.layers.size(), 1u);
  auto layer = manifest.layers[0];
  auto sig = base64_decode(layer.annotations.at(std::string(kSignatureAnnotation)));
  ASSERT_TRUE(sig);
  auto dir = tmp.path();
  test::write_file(dir / "key.pub", key.public_pem());
  test::write_file(dir / "sig.der", *sig);
  test::write_file(dir / "payload.json", oci::read_all(store, layer));
  std::string cmd = "openssl dgst -sha256 -verify " + (dir / "key.pub").string() + " -signature " +
                    (dir / "sig.der").string() + " " + (dir / "payload.json").string() + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  test::write_file(dir / "payload.json", make_simple_signing_payload(ref.name(), other.digest));
  EXPECT_NE(std::system(cmd.c_str()), 0);
  // And the reverse: a signature made by openssl verifies with our code.
  test::write_file(dir / "payload.json", make_simple_signing_payload(ref.name(), image.digest));
  test::write_file(dir / "key.pem", key.private_pem());
  std::string sign_cmd = "openssl dgst -sha256 -sign " + (dir / "key.pem").string() + " -out " +
                         (dir / "ossl.der").string() + " " + (dir / "payload.json").string();
  ASSERT_EQ(std::system(sign_cmd.c_str()), 0);
  EXPECT_TRUE(keys[0].verify(test::slurp(dir / "payload.json"), test::slurp(dir / "ossl.der")));
}

// Signatures made by real cosign, in upstream ig's own test store, in all three formats.
struct UpstreamStore : ::testing::Test {
  TempDir tmp;
  fs::path root = [this] {
    fs::copy(std::string(IG_TEST_DATA_DIR) + "/trust/upstream-oci-store", tmp.path() / "store",
             fs::copy_options::recursive);
    return tmp.path() / "store";
  }();
  oci::LayoutStore store{root};
  std::vector<PublicKey> good{PublicKey::from_pem(kUpstreamGoodKey, "good.pub")};
  std::vector<PublicKey> wrong{PublicKey::from_pem(kUpstreamWrongKey, "wrong.pub")};
};

TEST_F(UpstreamStore, VerifiesCosignLegacyOci11AndBundle) {
  EXPECT_EQ(verify_image(store, oci::parse_reference("ttl.sh/signed_with_cosign_legacy:latest"), good).format, "legacy");
  EXPECT_EQ(verify_image(store, oci::parse_reference("ttl.sh/signed_with_cosign_oci11:latest"), good).format, "oci 1.1");
  EXPECT_EQ(verify_image(store, oci::parse_reference("ttl.sh/signed_with_cosign_bundle:latest"), good).format, "bundle");
  std::vector<PublicKey> both{wrong[0], good[0]};
  EXPECT_EQ(verify_image(store, oci::parse_reference("ttl.sh/signed_with_cosign_legacy:latest"), both).key_source, "good.pub");
}

TEST_F(UpstreamStore, RefusesWrongKeyUnsignedAndNotation) {
  for (const char* name : {"ttl.sh/signed_with_cosign_legacy:latest", "ttl.sh/signed_with_cosign_oci11:latest",
                           "ttl.sh/signed_with_cosign_bundle:latest"}) {
    ErrorCode code{};
    auto msg = error_of([&] { verify_image(store, oci::parse_reference(name), wrong); }, &code);
    EXPECT_EQ(code, ErrorCode::Denied) << name;
    EXPECT_CONTAINS(msg, "wrong key or tampered payload");
  }
  ErrorCode code{};
  auto msg = error_of([&] { verify_image(store, oci::parse_reference("unsigned:francis-signature-unit-tests"), good); }, &code);
  EXPECT_EQ(code, ErrorCode::NotFound);
  EXPECT_CONTAINS(msg, "image ghcr.io/inspektor-gadget/gadget/unsigned:francis-signature-unit-tests is not signed");
  msg = error_of([&] { verify_image(store, oci::parse_reference("ttl.sh/signed_with_notation_config_media_type_signature:latest"), good); });
  EXPECT_CONTAINS(msg, "notation signature");
}

TEST_F(UpstreamStore, CopySignaturesCarriesEveryFormat) {
  oci::LayoutStore dst(tmp.path() / "dst");
  for (const char* name : {"ttl.sh/signed_with_cosign_legacy:latest", "ttl.sh/signed_with_cosign_oci11:latest",
                           "ttl.sh/signed_with_cosign_bundle:latest"}) {
    auto ref = oci::parse_reference(name);
    auto desc = store.resolve(ref.str());
    // Only the index blob is needed for verification; the gadget layers are not in the fixture.
    auto reader = oci::make_memory_reader(oci::read_all(store, desc));
    dst.push(desc, *reader);
    dst.tag(desc, ref.str());
    EXPECT_THROW(verify_image(dst, ref, good), Error) << name;
    EXPECT_EQ(copy_signatures(store, dst, desc.digest), 1u) << name;
    EXPECT_NO_THROW(verify_image(dst, ref, good)) << name;
    EXPECT_EQ(copy_signatures(store, dst, desc.digest), 1u) << name;  // idempotent
    EXPECT_NO_THROW(verify_image(dst, ref, good)) << name;
  }
  // Nothing to copy for an unsigned image.
  EXPECT_EQ(copy_signatures(store, dst, store.resolve("ghcr.io/inspektor-gadget/gadget/unsigned:francis-signature-unit-tests").digest), 0u);
}

TEST(SignatureTags, NamesFollowCosign) {
  auto d = oci::sha256_of("x");
  EXPECT_EQ(signature_tags(d), (std::vector<std::string>{"sha256-" + d.encoded() + ".sig", "sha256-" + d.encoded()}));
}

TEST(AllowedGadgets, UpstreamMatchingRules) {
  auto ref = oci::parse_reference("trace_open:v1");  // ghcr.io/inspektor-gadget/gadget/trace_open:v1
  auto d = oci::sha256_of("index");
  struct Case {
    std::vector<std::string> allowed;
    bool ok;
  };
  const Case cases[] = {
      {{}, true},
      {{"ghcr.io/inspektor-gadget/gadget/trace_open:v1"}, true},
      {{"ghcr.io/inspektor-gadget/gadget/trace_open@" + d.str()}, true},
      {{"ghcr.io/inspektor-gadget/gadget/*"}, true},
      {{"ghcr.io/inspektor-gadget/gadget/trace_*"}, true},
      {{"*"}, true},
      {{"other:v1", "ghcr.io/inspektor-gadget/gadget/trace_open:v1"}, true},
      {{"trace_open:v1"}, false},  // entries are not normalised
      {{"ghcr.io/inspektor-gadget/gadget/trace_open:v2"}, false},
      {{"ghcr.io/inspektor-gadget/gadget/trace_open"}, false},
      {{"ghcr.io/inspektor-gadget/gadget/trace_open@" + oci::sha256_of("other").str()}, false},
      {{"ghcr.io/inspektor-gadget/gadget/trace_exec*"}, false},
      {{"ghcr.io/inspektor-gadget/gadget/"}, false},  // a prefix only with '*'
      {{""}, false},
  };
  for (const auto& c : cases) {
    std::string joined;
    for (const auto& a : c.allowed) joined += a + " ";
    auto msg = error_of([&] { check_allowed_gadgets(ref, d, c.allowed); });
    EXPECT_EQ(msg.empty(), c.ok) << joined << ": " << msg;
  }
  EXPECT_EQ(error_of([&] { check_allowed_gadgets(ref, d, {"a:1", "b/*"}); }),
            "ghcr.io/inspektor-gadget/gadget/trace_open:v1 is not part of allowed gadgets: a:1, b/*");
}

}  // namespace
}  // namespace ig::trust
