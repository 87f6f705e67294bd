#include <gtest/gtest.h>

#include <cstdlib>

#include "trust/crypto.hpp"
#include "tests/unit/trust/trust_test_util.hpp"
#include "util/error.hpp"

namespace ig::trust {
namespace {

using test::TempDir;
using test::write_file;
namespace fs = std::filesystem;

TEST(Base64, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    auto enc = base64_encode(bytes);
    EXPECT_EQ(enc.size() % 4, 0u);
    auto dec = base64_decode(enc);
    ASSERT_TRUE(dec) << enc;
    EXPECT_EQ(*dec, bytes);
    bytes += static_cast<char>(i * 37 + 200);
  }
  EXPECT_EQ(base64_encode("hello world"), "aGVsbG8gd29ybGQ=");
}

TEST(Base64, StrictRejectsWhatGoStdEncodingRejects) {
  EXPECT_FALSE(base64_decode("aGVsbG8gd29ybGQ"));    // missing padding
  EXPECT_FALSE(base64_decode("aGVsbG8gd29ybGR="));   // non-zero trailing bits
  EXPECT_FALSE(base64_decode("aGVs bG8="));          // whitespace
  EXPECT_FALSE(base64_decode("aGV-bG8_"));           // URL alphabet
  EXPECT_EQ(base64_decode("aGV-bG8_", true), base64_decode("aGV+bG8/"));
  EXPECT_EQ(base64_decode("aGVsbG8gd29ybGQ", true), "hello world");
  EXPECT_FALSE(base64_decode("a", true));
}

TEST(Keys, SignAndVerifyWithGeneratedP256Key) {
  auto key = PrivateKey::generate_p256();
  auto pub = PublicKey::from_pem(key.public_pem(), "test");
  std::string sig = key.sign("payload");
  EXPECT_EQ(static_cast<unsigned char>(sig[0]), 0x30);  // ASN.1 DER SEQUENCE
  EXPECT_TRUE(pub.verify("payload", sig));
  EXPECT_FALSE(pub.verify("payloaD", sig));
  auto other = PublicKey::from_pem(PrivateKey::generate_p256().public_pem(), "other");
  EXPECT_FALSE(other.verify("payload", sig));
  EXPECT_FALSE(pub.verify("payload", ""));
  // The private PEM reads back to the same key.
  auto again = PrivateKey::from_pem(key.private_pem(), "again");
  EXPECT_EQ(again.public_pem(), key.public_pem());
}

TEST(Keys, ReadsOpenSslEcPrivateKeyFile) {
  TempDir tmp;
  auto pem = tmp.path() / "key.pem";
  std::string cmd = "openssl ecparam -name prime256v1 -genkey -noout -out " + pem.string() +
                    " 2>/dev/null && openssl ec -in " + pem.string() + " -pubout -out " +
                    (tmp.path() / "key.pub").string() + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ASSERT_NE(test::slurp(pem).find("BEGIN EC PRIVATE KEY"), std::string::npos);
  auto key = PrivateKey::load(pem);
  auto pub = load_public_keys({(tmp.path() / "key.pub").string()});
  ASSERT_EQ(pub.size(), 1u);
  EXPECT_TRUE(pub[0].verify("x", key.sign("x")));
}

TEST(Keys, EncryptedKeys) {
  TempDir tmp;
  auto pem = tmp.path() / "enc.pem";
  std::string cmd = "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-256-cbc "
                    "-pass pass:s3cret -out " + pem.string() + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_NO_THROW(PrivateKey::load(pem, "s3cret"));
  try {
    PrivateKey::load(pem);
    FAIL() << "encrypted key read without a password";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("COSIGN_PASSWORD"), std::string::npos) << e.what();
  }
  EXPECT_THROW(PrivateKey::load(pem, "wrong"), Error);

  std::string cosign = "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n";
  try {
    PrivateKey::from_pem(cosign, "cosign.key");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    EXPECT_NE(std::string(e.what()).find("cosign.key: encrypted cosign keys are not supported"), std::string::npos);
  }
}

TEST(Keys, PublicKeysFromTextFilesAndDefaults) {
  TempDir tmp;
  auto a = PrivateKey::generate_p256();
  auto b = PrivateKey::generate_p256();
  write_file(tmp.path() / "both.pub", a.public_pem() + b.public_pem());
  auto keys = load_public_keys({(tmp.path() / "both.pub").string(), a.public_pem()});
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_TRUE(keys[1].verify("m", b.sign("m")));
  EXPECT_EQ(keys[2].source(), "--public-keys[2]");
  EXPECT_THROW(load_public_keys({"-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----\n"}), Error);
  EXPECT_THROW(load_public_keys({(tmp.path() / "absent.pub").string()}), Error);

  // Defaults: upstream's key, plus the configured directory's *.pub/*.pem files.
  auto defaults = default_public_keys(tmp.path() / "no-such-dir");
  ASSERT_EQ(defaults.size(), 1u);
  EXPECT_EQ(defaults[0].pem(), std::string(kInspektorGadgetPublicKey));
  fs::create_directories(tmp.path() / "keys.d");
  write_file(tmp.path() / "keys.d" / "team.pem", b.public_pem());
  write_file(tmp.path() / "keys.d" / "README", "not a key");
  auto configured = default_public_keys(tmp.path() / "keys.d");
  ASSERT_EQ(configured.size(), 2u);
  EXPECT_TRUE(configured[1].verify("m", b.sign("m")));
  ::setenv("IG_PUBLIC_KEYS_DIR", (tmp.path() / "keys.d").c_str(), 1);
  EXPECT_EQ(load_public_keys({}).size(), 2u);
  ::unsetenv("IG_PUBLIC_KEYS_DIR");
}

}  // namespace
}  // namespace ig::trust
