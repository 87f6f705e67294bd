// Image stage: manifest selection by architecture and the errors for absent or malformed images.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "oci/media_types.hpp"
#include "oci/reference.hpp"
#include "runner/image.hpp"
#include "runner/instance/instance.hpp"
#include "util/error.hpp"

namespace ig::runner {
namespace {

oci::Descriptor manifest_for(const std::string& arch, const std::string& content) {
  auto d = oci::describe(oci::media_type::kImageManifest, content);
  d.platform = oci::Platform{arch, "linux", ""};
  return d;
}

TEST(SelectManifest, PicksTheRequestedArchitecture) {
  oci::Index index;
  index.manifests = {manifest_for("amd64", "a"), manifest_for("arm64", "b")};
  EXPECT_EQ(select_manifest(index, "arm64", "r").digest, index.manifests[1].digest);
  EXPECT_EQ(select_manifest(index, "amd64", "r").digest, index.manifests[0].digest);
}

TEST(SelectManifest, NamesTheAvailableArchitectures) {
  oci::Index index;
  index.manifests = {manifest_for("amd64", "a"), manifest_for("arm64", "b")};
  try {
    select_manifest(index, "riscv64", "example.com/g:v1");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    EXPECT_STREQ(e.what(),
                 "image \"example.com/g:v1\" has no manifest for architecture riscv64 "
                 "(available: amd64, arm64)");
  }
}

TEST(HostArchitecture, IsAGoArchName) {
  std::string arch = host_architecture();
  EXPECT_TRUE(arch == "amd64" || arch == "arm64") << arch;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("ig-runner-image-test-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    store_ = std::make_unique<oci::LayoutStore>(root_);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(root_);
  }
  oci::Descriptor put(std::string_view media_type, const std::string& content) {
    auto d = oci::describe(media_type, content);
    auto reader = oci::make_memory_reader(content);
    store_->push(d, *reader);
    return d;
  }
  // An index with one manifest per architecture, each holding `layers`.
  oci::Descriptor put_image(const std::vector<std::string>& archs,
                            const std::vector<oci::Descriptor>& layers, const std::string& yaml) {
    oci::Manifest manifest;
    manifest.artifact_type = oci::media_type::kGadgetArtifact;
    manifest.config = put(oci::media_type::kGadgetConfig, yaml);
    manifest.layers = layers;
    oci::Index index;
    index.media_type = oci::media_type::kImageIndex;
    for (const auto& arch : archs) {
      auto d = put(oci::media_type::kImageManifest, oci::serialize(manifest));
      d.platform = oci::Platform{arch, "linux", ""};
      index.manifests.push_back(d);
    }
    return put(oci::media_type::kImageIndex, oci::serialize(index));
  }

  std::filesystem::path root_;
  std::unique_ptr<oci::LayoutStore> store_;
};

TEST_F(StoreTest, UnknownImageIsOneLineNamingTheStore) {
  try {
    open_image(*store_, oci::parse_reference("nope"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_EQ(std::string(e.what()), "image \"ghcr.io/inspektor-gadget/gadget/nope:latest\" not "
                                     "found in the local store (" + root_.string() + ")");
  }
}

TEST_F(StoreTest, ReadsHostManifestMetadataAndEbpfLayerAndWarnsOnUnknownLayers) {
  auto ebpf = put(oci::media_type::kGadgetEbpf, "\x7f" "ELF-bytes");
  auto odd = put("application/x-something", "odd");
  auto index = put_image({"amd64", "arm64"}, {ebpf, odd}, "name: t\n");
  store_->tag(index, "example.com/t:v1");
  std::vector<std::string> warnings;
  auto image = open_image(*store_, oci::parse_reference("example.com/t:v1"),
                          [&](const std::string& w) { warnings.push_back(w); });
  EXPECT_EQ(image.index.digest, index.digest);
  EXPECT_EQ(image.ebpf_object, "\x7f" "ELF-bytes");
  EXPECT_EQ(image.metadata_yaml, "name: t\n");
  EXPECT_EQ(image.manifest_descriptor.platform->architecture, host_architecture());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("application/x-something"), std::string::npos) << warnings[0];
}

// An upstream image's wasm module is not run: the eBPF part is, and the warning names what
// gadget.yaml declares that only the module would have provided.
TEST_F(StoreTest, WasmLayerIsSkippedNamingWhatIsLost) {
  std::ifstream in(IG_TEST_EVENTS_OBJECT, std::ios::binary);
  const std::string object{std::istreambuf_iterator<char>(in), {}};
  auto ebpf = put(oci::media_type::kGadgetEbpf, object);
  auto wasm = put(oci::media_type::kGadgetWasm, "\0asm");
  auto index = put_image({host_architecture()}, {ebpf, wasm},
                         "name: t\ndatasources:\n  dns:\n    fields:\n      name: {}\n");
  store_->tag(index, "example.com/t:wasm");
  RunOptions options;
  options.image = "example.com/t:wasm";
  options.pull = "never";
  options.verify_image = false;
  std::vector<std::string> warnings;
  const PreparedGadget g = prepare_gadget(options, *store_, [&](const std::string& w) {
    warnings.push_back(w);
  });
  EXPECT_TRUE(g.image.has_wasm);
  EXPECT_EQ(g.image.ebpf_object, object);
  ASSERT_EQ(warnings.size(), 2u);  // after "verification is disabled"
  EXPECT_EQ(warnings[1],
            "image \"example.com/t:wasm\" has a wasm module, which ig does not run: running its "
            "eBPF part only; empty without it: dns");
}

TEST_F(StoreTest, ImageWithoutHostArchitectureFails) {
  std::string other = host_architecture() == "amd64" ? "arm64" : "amd64";
  auto index = put_image({other}, {}, "name: t\n");
  store_->tag(index, "example.com/t:v1");
  try {
    open_image(*store_, oci::parse_reference("example.com/t:v1"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    EXPECT_NE(std::string(e.what()).find("(available: " + other + ")"), std::string::npos)
        << e.what();
  }
}

TEST_F(StoreTest, TagOnAManifestIsRejected) {
  oci::Manifest manifest;
  manifest.config = put(oci::media_type::kGadgetConfig, "name: t\n");
  auto d = put(oci::media_type::kImageManifest, oci::serialize(manifest));
  store_->tag(d, "example.com/t:v1");
  try {
    open_image(*store_, oci::parse_reference("example.com/t:v1"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    EXPECT_NE(std::string(e.what()).find("is not an image index"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ig::runner
