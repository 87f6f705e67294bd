#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "oci/descriptor.hpp"
#include "oci/media_types.hpp"
#include "util/error.hpp"

namespace ig::oci {
namespace {

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(IG_TEST_DATA_DIR) + "/oci/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Descriptor blob(std::string_view media_type, std::string_view content) {
  return describe(media_type, content);
}

TEST(Descriptor, UpstreamManifestRoundTripsByteIdentically) {
  std::string text = read_data("unsigned_manifest.json");
  EXPECT_EQ(sha256_of(text).str(),
            "sha256:f04a4a04a15fef85a1438a2b7079c2bbc81a822acee2fb9c4827ae1709f3101f");
  Manifest m = parse_manifest(text);
  EXPECT_EQ(m.media_type, "");
  EXPECT_EQ(m.artifact_type, media_type::kGadgetArtifact);
  EXPECT_EQ(m.config.media_type, media_type::kGadgetConfig);
  EXPECT_EQ(m.config.size, 15);
  EXPECT_TRUE(m.layers.empty());
  EXPECT_EQ(m.annotations.at("org.opencontainers.image.title"), "unsigned");
  EXPECT_EQ(serialize(m), text);
}

TEST(Descriptor, UpstreamIndexRoundTripsByteIdentically) {
  std::string text = read_data("unsigned_index.json");
  EXPECT_EQ(sha256_of(text).str(),
            "sha256:f34a362f177727ed3f12eadc1f255ffe6a19190ab82d48df98c19f1bddc3b86a");
  Index i = parse_index(text);
  ASSERT_EQ(i.manifests.size(), 2u);
  ASSERT_TRUE(i.manifests[0].platform);
  EXPECT_EQ(i.manifests[0].platform->architecture, "amd64");
  EXPECT_EQ(i.manifests[1].platform->architecture, "arm64");
  EXPECT_EQ(i.manifests[0].platform->os, "linux");
  EXPECT_EQ(i.manifests[0].digest, i.manifests[1].digest);
  EXPECT_EQ(serialize(i), text);
  // The index entry's digest is the digest of the manifest file: the pair is consistent.
  EXPECT_EQ(i.manifests[0].digest, sha256_of(read_data("unsigned_manifest.json")));
}

TEST(Descriptor, ManifestFieldOrderAndOptionalFields) {
  Manifest m;
  m.media_type = media_type::kImageManifest;
  m.artifact_type = media_type::kGadgetArtifact;
  m.config = blob(media_type::kEmpty, "{}");
  m.config.data = "e30=";
  Descriptor layer = blob(media_type::kGadgetEbpf, "ELF");
  layer.annotations = {{"z", "1"}, {"a", "2"}};
  layer.urls = {"https://x/y"};
  m.layers.push_back(layer);
  m.subject = blob(media_type::kImageIndex, "s");
  m.subject->artifact_type = "t";
  m.annotations = {{"b", "x"}, {"a", "y"}};
  std::string d_empty = sha256_of("{}").str();
  std::string d_elf = sha256_of("ELF").str();
  std::string d_s = sha256_of("s").str();
  EXPECT_EQ(serialize(m),
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            "\"artifactType\":\"application/vnd.gadget.v1+binary\","
            "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" +
                d_empty + "\",\"size\":2,\"data\":\"e30=\"},"
            "\"layers\":[{\"mediaType\":\"application/vnd.gadget.ebpf.program.v1+binary\","
            "\"digest\":\"" + d_elf + "\",\"size\":3,\"urls\":[\"https://x/y\"],"
            "\"annotations\":{\"a\":\"2\",\"z\":\"1\"}}],"
            "\"subject\":{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"" +
                d_s + "\",\"size\":1,\"artifactType\":\"t\"},"
            "\"annotations\":{\"a\":\"y\",\"b\":\"x\"}}");
  Manifest back = parse_manifest(serialize(m));
  EXPECT_EQ(serialize(back), serialize(m));
  EXPECT_EQ(back.layers.at(0), layer);
}

TEST(Descriptor, EmptyLayersWrittenAsEmptyArray) {
  Manifest m;
  m.config = blob(media_type::kGadgetConfig, "name: x\n");
  std::string s = serialize(m);
  EXPECT_NE(s.find("\"layers\":[]"), std::string::npos) << s;
  EXPECT_EQ(s.find("mediaType\":\"application/vnd.oci.image.manifest"), std::string::npos);
  EXPECT_EQ(s.find("annotations"), std::string::npos);
}

TEST(Descriptor, PlatformFieldOrder) {
  Descriptor d = blob(media_type::kImageManifest, "m");
  Platform p;
  p.architecture = "arm";
  p.os = "linux";
  p.variant = "v7";
  p.os_version = "10";
  p.os_features = {"f1", "f2"};
  d.platform = p;
  std::string s = serialize(d);
  EXPECT_NE(s.find("\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"os.version\":\"10\","
                   "\"os.features\":[\"f1\",\"f2\"],\"variant\":\"v7\"}"),
            std::string::npos)
      << s;
  Index i;
  i.manifests.push_back(d);
  EXPECT_EQ(parse_index(serialize(i)).manifests.at(0), d);
}

TEST(Descriptor, GoStringEscaping) {
  Descriptor d = blob("text/plain", "x");
  d.annotations = {{"k", std::string("<a>&\"q\"\\ \n\r\t\b\f\x01\x1f\x7f") + "é€😀" +
                             "\xe2\x80\xa8\xe2\x80\xa9" + "\xff" + "\xc3" + "\xed\xa0\x80" +
                             "\xc0\xaf" + std::string(1, '\0')}};
  std::string s = serialize(d);
  std::string expected_value =
      "\\u003ca\\u003e\\u0026\\\"q\\\"\\\\ \\n\\r\\t\\b\\f\\u0001\\u001f\x7f"
      "é€😀\\u2028\\u2029\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\u0000";
  EXPECT_NE(s.find("\"annotations\":{\"k\":\"" + expected_value + "\"}"), std::string::npos) << s;
}

TEST(Descriptor, ParsesStoreIndexFiles) {
  Index upstream = parse_index(read_data("store_index_upstream.json"));
  ASSERT_EQ(upstream.manifests.size(), 4u);
  EXPECT_EQ(upstream.manifests[0].annotations.at(std::string(annotation::kRefName)),
            "ghcr.io/inspektor-gadget/gadget/unsigned:latest");
  EXPECT_EQ(upstream.manifests[3].artifact_type, media_type::kEmpty);
  Index skopeo = parse_index(read_data("store_index_skopeo.json"));
  EXPECT_EQ(skopeo.media_type, "");
  ASSERT_EQ(skopeo.manifests.size(), 1u);
  EXPECT_EQ(skopeo.manifests[0].size, 876);
}

TEST(Descriptor, ToleratesUnknownFields) {
  Manifest m = parse_manifest(
      R"({"schemaVersion":2,"extra":{"x":[1,2]},"config":{"mediaType":"a/b","digest":"sha256:)" +
      std::string(64, '0') + R"(","size":0,"new":true},"layers":null})");
  EXPECT_EQ(m.config.media_type, "a/b");
  EXPECT_TRUE(m.layers.empty());
}

void expect_invalid(std::string_view json, std::string_view fragment, bool index = false) {
  try {
    if (index) {
      parse_index(json);
    } else {
      parse_manifest(json);
    }
    ADD_FAILURE() << "accepted " << json;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
}

TEST(Descriptor, RefusesMalformed) {
  std::string good_digest = "sha256:" + std::string(64, 'a');
  expect_invalid("{", "malformed JSON");
  expect_invalid("[]", "not a JSON object");
  expect_invalid(R"({"config":{}})", "schemaVersion");
  expect_invalid(R"({"schemaVersion":1})", "schemaVersion");
  expect_invalid(R"({"schemaVersion":2})", "config: missing");
  expect_invalid(R"({"schemaVersion":2,"config":{"mediaType":"a","size":1}})", "config.digest");
  expect_invalid(R"({"schemaVersion":2,"config":{"mediaType":"a","digest":"sha256:abc","size":1}})",
                 "config.digest");
  expect_invalid(R"({"schemaVersion":2,"config":{"mediaType":"a","digest":")" + good_digest +
                     R"(","size":-1}})",
                 "config.size");
  expect_invalid(R"({"schemaVersion":2,"config":{"mediaType":"a","digest":")" + good_digest +
                     R"(","size":"1"}})",
                 "config.size");
  expect_invalid(R"({"schemaVersion":2,"config":{"mediaType":"a","digest":")" + good_digest +
                     R"(","size":1},"layers":[{"mediaType":7}]})",
                 "layers[0].mediaType");
  expect_invalid(R"({"schemaVersion":2,"config":{"mediaType":"a","digest":")" + good_digest +
                     R"(","size":1},"annotations":{"a":1}})",
                 "annotations.a");
  expect_invalid(R"({"schemaVersion":2,"manifests":{}})", "manifests", true);
  expect_invalid(R"({"schemaVersion":2,"manifests":[{"digest":")" + good_digest +
                     R"(","size":1,"platform":[]}]})",
                 "manifests[0].platform", true);
  expect_invalid(R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
                 R"("manifests":[]})",
                 "is an index");
}

TEST(Descriptor, MediaTypeClassification) {
  EXPECT_TRUE(is_manifest_type(media_type::kImageManifest));
  EXPECT_TRUE(is_manifest_type(media_type::kDockerManifest));
  EXPECT_FALSE(is_manifest_type(media_type::kImageIndex));
  EXPECT_TRUE(is_index_type(media_type::kImageIndex));
  EXPECT_TRUE(is_index_type(media_type::kDockerManifestList));
  EXPECT_FALSE(is_index_type(media_type::kGadgetConfig));
}

TEST(Descriptor, Successors) {
  std::string manifest_text = read_data("unsigned_manifest.json");
  Descriptor mdesc = describe(media_type::kImageManifest, manifest_text);
  auto children = successors(mdesc, manifest_text);
  ASSERT_EQ(children.size(), 1u);
  EXPECT_EQ(children[0].media_type, media_type::kGadgetConfig);

  std::string index_text = read_data("unsigned_index.json");
  auto manifests = successors(describe(media_type::kImageIndex, index_text), index_text);
  ASSERT_EQ(manifests.size(), 2u);
  EXPECT_EQ(manifests[0].digest, mdesc.digest);

  Manifest m;
  m.config = blob(media_type::kEmpty, "{}");
  m.layers = {blob("a/b", "1"), blob("a/b", "2")};
  m.subject = blob(media_type::kImageManifest, "subject");
  std::string text = serialize(m);
  auto with_subject = successors(describe(media_type::kImageManifest, text), text);
  ASSERT_EQ(with_subject.size(), 4u);
  EXPECT_EQ(with_subject[3], *m.subject);

  EXPECT_TRUE(successors(blob(media_type::kGadgetEbpf, "x"), "not json").empty());
}

}  // namespace
}  // namespace ig::oci
