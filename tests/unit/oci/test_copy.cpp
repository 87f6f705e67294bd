#include <gtest/gtest.h>

#include <cstring>
#include <set>

#include "oci/copy.hpp"
#include "oci/layout_store.hpp"
#include "oci/media_types.hpp"
#include "tests/unit/oci/oci_test_util.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;

namespace ig::oci {
namespace {

using test::push_bytes;
using test::push_image;
using test::TempDir;

const std::string kRef = "ghcr.io/inspektor-gadget/gadget/trace_open:latest";

size_t count_blobs(const LayoutStore& s) {
  return std::distance(fs::directory_iterator(s.root() / "blobs" / "sha256"),
                       fs::directory_iterator());
}

TEST(Copy, CopiesWholeGraphAndTagsRoot) {
  TempDir a, b;
  LayoutStore src(a.path()), dst(b.path());
  auto img = push_image(src, "trace_open");
  src.tag(img.index, kRef);
  std::vector<Descriptor> order;
  CopyOptions opts;
  opts.on_copied = [&](const Descriptor& d) { order.push_back(d); };
  Descriptor root = copy(src, kRef, dst, "localhost:5000/trace_open:v1", opts);
  EXPECT_EQ(root, img.index);
  EXPECT_EQ(dst.resolve("localhost:5000/trace_open:v1"), img.index);
  EXPECT_EQ(count_blobs(dst), 6u);
  ASSERT_EQ(order.size(), 6u);
  // Children before parents: every node comes after all of its successors.
  std::set<Digest> seen;
  for (const auto& d : order) {
    if (is_manifest_type(d.media_type) || is_index_type(d.media_type)) {
      for (const auto& child : successors(d, read_all(dst, d))) {
        EXPECT_TRUE(seen.count(child.digest)) << d.digest.str() << " before " << child.digest.str();
      }
    }
    EXPECT_TRUE(seen.insert(d.digest).second) << "copied twice: " << d.digest.str();
  }
  EXPECT_EQ(order.back(), img.index);
  // The config is shared by both manifests: copied once (checked above), present once.

  // A second copy finds everything in place and only tags.
  order.clear();
  copy(src, kRef, dst, "localhost:5000/trace_open:v2", opts);
  EXPECT_TRUE(order.empty());
  EXPECT_EQ(dst.resolve("localhost:5000/trace_open:v2"), img.index);
}

TEST(Copy, SkipsWhatDestinationHas) {
  TempDir a, b;
  LayoutStore src(a.path()), dst(b.path());
  auto img = push_image(src, "x");
  push_image(dst, "x");  // same bytes: the destination already has every layer
  size_t copied = 0;
  CopyOptions opts;
  opts.on_copied = [&](const Descriptor&) { ++copied; };
  src.tag(img.index, kRef);
  copy(src, kRef, dst, kRef, opts);
  EXPECT_EQ(copied, 0u);
  EXPECT_EQ(dst.resolve(kRef), img.index);
}

TEST(Copy, PlatformFilterKeepsIndexAndOneManifest) {
  TempDir a, b;
  LayoutStore src(a.path()), dst(b.path());
  auto img = push_image(src, "trace_open");
  src.tag(img.index, kRef);
  CopyOptions opts;
  opts.platform_architecture = "arm64";
  copy(src, kRef, dst, kRef, opts);
  EXPECT_EQ(dst.resolve(kRef), img.index);  // same root digest as the source tag
  EXPECT_TRUE(dst.exists(img.index));
  EXPECT_TRUE(dst.exists(img.manifest_arm64));
  EXPECT_TRUE(dst.exists(img.layer_arm64));
  EXPECT_TRUE(dst.exists(img.config));
  EXPECT_FALSE(dst.exists(img.manifest_amd64));
  EXPECT_FALSE(dst.exists(img.layer_amd64));

  // A later full copy completes the index that the filtered copy left partial.
  std::vector<Descriptor> copied;
  CopyOptions all;
  all.on_copied = [&](const Descriptor& d) { copied.push_back(d); };
  copy(src, kRef, dst, kRef, all);
  ASSERT_EQ(copied.size(), 2u);
  EXPECT_EQ(copied[0].digest, img.layer_amd64.digest);
  EXPECT_EQ(copied[1].digest, img.manifest_amd64.digest);

  TempDir c;
  LayoutStore none(c.path());
  opts.platform_architecture = "riscv64";
  try {
    copy(src, kRef, none, kRef, opts);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_NE(std::string(e.what()).find("copy: source: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("riscv64"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(none.list().empty());
}

TEST(Copy, FollowsSubject) {
  TempDir a, b;
  LayoutStore src(a.path()), dst(b.path());
  auto img = push_image(src, "x");
  Manifest sig;
  sig.artifact_type = "application/vnd.dev.cosign.artifact.sig.v1+json";
  sig.config = push_bytes(src, media_type::kEmpty, "{}");
  sig.layers = {push_bytes(src, "application/vnd.dev.sigstore.bundle.v0.3+json", "bundle")};
  sig.subject = img.index;
  Descriptor sig_desc = push_bytes(src, media_type::kImageManifest, serialize(sig));
  src.tag(sig_desc, "sig");
  copy(src, "sig", dst, "sig");
  EXPECT_TRUE(dst.exists(img.index));
  EXPECT_TRUE(dst.exists(img.layer_amd64));
  EXPECT_TRUE(dst.exists(sig.layers[0]));
}

// A source that serves different bytes for one blob, without verifying them.
class LyingSource : public ReadOnlyTarget {
 public:
  LyingSource(LayoutStore& inner, Digest victim) : inner_(inner), victim_(std::move(victim)) {}
  std::unique_ptr<Reader> fetch(const Descriptor& d) override {
    if (d.digest != victim_) return inner_.fetch(d);
    std::string bytes(static_cast<size_t>(d.size), 'z');
    return make_memory_reader(bytes);
  }
  bool exists(const Descriptor& d) override { return inner_.exists(d); }
  Descriptor resolve(const std::string& r) override { return inner_.resolve(r); }

 private:
  LayoutStore& inner_;
  Digest victim_;
};

TEST(Copy, RefusesWrongBytesFromSource) {
  TempDir a, b;
  LayoutStore src(a.path()), dst(b.path());
  auto img = push_image(src, "trace_open");
  src.tag(img.index, kRef);
  for (const Descriptor& victim : {img.layer_arm64, img.manifest_amd64}) {
    LyingSource liar(src, victim.digest);
    try {
      copy(liar, kRef, dst, kRef);
      FAIL() << "copied wrong bytes";
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_TRUE(e.code() == ErrorCode::DigestMismatch) << msg;
      EXPECT_EQ(msg.rfind("copy: source: ", 0), 0u) << msg;
      EXPECT_NE(msg.find(victim.digest.str()), std::string::npos) << msg;
    }
    EXPECT_TRUE(dst.list().empty());
    EXPECT_FALSE(dst.exists(victim));
    EXPECT_FALSE(dst.exists(img.index));
    EXPECT_EQ(std::distance(fs::directory_iterator(b.path() / "ingest"), fs::directory_iterator()),
              0);
  }
}

TEST(Copy, NamesSideOfFailure) {
  TempDir a, b;
  LayoutStore src(a.path()), dst(b.path());
  try {
    copy(src, "missing:latest", dst, kRef);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_EQ(std::string(e.what()).rfind("copy: source: ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace ig::oci
