#include <gtest/gtest.h>

#include "oci/media_types.hpp"
#include "trust/crypto.hpp"
#include "trust/formats.hpp"
#include "tests/unit/trust/trust_test_util.hpp"
#include "util/error.hpp"

namespace ig::trust {
namespace {

const std::string kUpstreamBlobs = std::string(IG_TEST_DATA_DIR) + "/trust/upstream-oci-store/blobs/sha256/";

std::string upstream_blob(const std::string& hex) { return test::slurp(kUpstreamBlobs + hex); }

// cosign's own payload and config for ttl.sh/signed_with_cosign_legacy (upstream test store).
TEST(Formats, PayloadIsByteIdenticalToCosigns) {
  auto image = oci::Digest::parse("sha256:20296fb8a8c8a97808229625945da73f5f4d5843800317ead8c203081156cc9c");
  std::string payload = make_simple_signing_payload("ttl.sh/signed_with_cosign_legacy", image);
  EXPECT_EQ(payload, upstream_blob("5d37f5033e1d23f130654bc38e47b22a3e7d7ca60502f96509b74086ea9ff81b"));
  EXPECT_EQ(oci::sha256_of(payload).encoded(), "5d37f5033e1d23f130654bc38e47b22a3e7d7ca60502f96509b74086ea9ff81b");
}

TEST(Formats, SignatureConfigIsByteIdenticalToCosigns) {
  auto payload = oci::Digest::parse("sha256:5d37f5033e1d23f130654bc38e47b22a3e7d7ca60502f96509b74086ea9ff81b");
  EXPECT_EQ(make_signature_config(payload),
            upstream_blob("ad6db79c435b78a9ace1e8c8a5c62dce3979a3ce81350b972401b57b7769e890"));
}

TEST(Formats, ParsesPayloadClaims) {
  auto d = oci::sha256_of("x");
  auto claims = parse_simple_signing_payload(make_simple_signing_payload("localhost:5000/a/b", d));
  EXPECT_EQ(claims.type, kSimpleSigningType);
  EXPECT_EQ(claims.manifest_digest, d.str());
  EXPECT_EQ(claims.docker_reference, "localhost:5000/a/b");
  EXPECT_THROW(parse_simple_signing_payload("{}"), Error);
  EXPECT_THROW(parse_simple_signing_payload("not json"), Error);
  EXPECT_THROW(parse_simple_signing_payload(R"({"critical":{"type":1,"image":{}}})"), Error);
  EXPECT_THROW(parse_simple_signing_payload(R"({"critical":{"type":"t","image":{"docker-manifest-digest":[]}}})"), Error);
}

oci::Manifest signature_manifest(size_t layers, std::string media_type = std::string(oci::media_type::kCosignSimpleSigning)) {
  oci::Manifest m;
  m.config = oci::describe(oci::media_type::kImageConfig, "{}");
  for (size_t i = 0; i < layers; ++i) {
    auto l = oci::describe(media_type, "payload" + std::to_string(i));
    l.annotations[std::string(kSignatureAnnotation)] = base64_encode("sig" + std::to_string(i));
    m.layers.push_back(l);
  }
  return m;
}

TEST(Formats, SignedLayerRequiresExactlyOneSimpleSigningLayer) {
  auto one = signed_layer(signature_manifest(1));
  EXPECT_EQ(one.signature, "sig0");
  auto expect_reason = [](const oci::Manifest& m, const std::string& reason) {
    try {
      signed_layer(m);
      FAIL() << "accepted: " << reason;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    }
  };
  expect_reason(signature_manifest(2), "has 2 layers; exactly one is supported");
  expect_reason(signature_manifest(0), "has 0 layers");
  expect_reason(signature_manifest(1, "application/octet-stream"), "media type");
  auto no_annotation = signature_manifest(1);
  no_annotation.layers[0].annotations.clear();
  expect_reason(no_annotation, "no dev.cosignproject.cosign/signature annotation");
  auto bad_b64 = signature_manifest(1);
  bad_b64.layers[0].annotations[std::string(kSignatureAnnotation)] = "!!!";
  expect_reason(bad_b64, "not valid base64");
}

TEST(Formats, DssePaeMatchesTheSpecExample) {
  // From the DSSE protocol document.
  EXPECT_EQ(dsse_pae("http://example.com/HelloWorld", "hello world"),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
}

TEST(Formats, ParsesCosignBundle) {
  auto bundle = parse_bundle(upstream_blob("47b7ebef46fb8de5bdd1d911867e916c421871b9ebc694c31cbe3e8a74ee7a33"));
  EXPECT_EQ(bundle.payload_type, kDssePayloadTypeInToto);
  auto subjects = intoto_subject_digests(bundle.payload);
  ASSERT_EQ(subjects.size(), 1u);
  EXPECT_EQ(subjects[0], "sha256:d217fb2d81d4314d48ade41ad3cad13324861d296e4e786e6498f3123951709c");
  EXPECT_EQ(static_cast<unsigned char>(bundle.signature[0]), 0x30);

  std::string two = R"({"dsseEnvelope":{"payload":"e30=","payloadType":"t","signatures":[{"sig":"MEUC"},{"sig":"MEUC"}]}})";
  EXPECT_THROW(parse_bundle(two), Error);
  EXPECT_THROW(parse_bundle(R"({"messageSignature":{}})"), Error);
  auto snake = parse_bundle(R"({"dsse_envelope":{"payload":"e30","payload_type":"t","signatures":[{"sig":"MEUC"}]}})");
  EXPECT_EQ(snake.payload, "{}");
  EXPECT_THROW(intoto_subject_digests(R"({"subject":[]})"), Error);
}

}  // namespace
}  // namespace ig::trust
