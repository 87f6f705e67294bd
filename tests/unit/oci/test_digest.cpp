#include <gtest/gtest.h>

#include "oci/digest.hpp"
#include "util/error.hpp"

namespace ig::oci {
namespace {

constexpr const char* kEmptySha =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(Digest, ParsesSha256) {
  Digest d = Digest::parse(kEmptySha);
  EXPECT_EQ(d.algorithm(), "sha256");
  EXPECT_EQ(d.encoded(), std::string(kEmptySha).substr(7));
  EXPECT_EQ(d.str(), kEmptySha);
  EXPECT_FALSE(d.empty());
  EXPECT_TRUE(Digest().empty());
}

TEST(Digest, AcceptsOtherAlgorithmsByGrammar) {
  EXPECT_EQ(Digest::parse("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8").algorithm(),
            "multihash+base58");
  EXPECT_EQ(Digest::parse("sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564").encoded(),
            "LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564");
  EXPECT_NO_THROW(Digest::parse("sha512:" + std::string(128, 'a')));
  EXPECT_NO_THROW(Digest::parse("x.y_z-1:abc="));
}

TEST(Digest, RefusesMalformed) {
  std::string hex(64, 'a');
  for (std::string bad : {
           std::string(""),
           std::string("sha256"),
           std::string(":") + hex,
           "sha256:" + hex.substr(1),                       // 63 chars
           "sha256:" + hex + "a",                           // 65 chars
           "sha256:" + std::string(63, 'a') + "A",          // upper-case hex
           "sha256:" + std::string(63, 'a') + "g",          // not hex
           "SHA256:" + hex,                                 // upper-case algorithm
           std::string("sha256:"),
           std::string("+sha:abc"),
           std::string("sha+:abc"),
           std::string("sha++x:abc"),
           std::string("sha:ab/c"),
           "sha512:" + std::string(127, 'a'),
       }) {
    try {
      Digest::parse(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidDigest) << bad;
      if (!bad.empty()) {
        EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
      }
    }
  }
}

TEST(Digest, Sha256KnownVectors) {
  EXPECT_EQ(sha256_of("").str(), kEmptySha);
  EXPECT_EQ(sha256_of("abc").str(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_of("{}").str(),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

TEST(Digest, Sha256StreamsInPieces) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data += static_cast<char>(i * 7);
  Sha256 h;
  for (size_t off = 0; off < data.size(); off += 997) h.update(std::string_view(data).substr(off, 997));
  EXPECT_EQ(h.finish(), sha256_of(data));
  // The hasher is reusable after finish().
  h.update("abc");
  EXPECT_EQ(h.finish(), sha256_of("abc"));
}

TEST(Digest, Ordering) {
  Digest a = sha256_of("a");
  Digest b = sha256_of("b");
  EXPECT_NE(a, b);
  EXPECT_EQ(a, Digest::parse(a.str()));
  EXPECT_TRUE((a < b) != (b < a));
}

}  // namespace
}  // namespace ig::oci
