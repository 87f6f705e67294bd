#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
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

// A manifest with `layers` distinct layers, tagged kRef in `store`; returns the layers.
std::vector<Descriptor> push_many_layers(LayoutStore& store, size_t layers) {
  Manifest m;
  m.artifact_type = media_type::kGadgetArtifact;
  m.config = push_bytes(store, media_type::kGadgetConfig, "name: many\n");
  for (size_t i = 0; i < layers; ++i) {
    m.layers.push_back(push_bytes(store, media_type::kGadgetEbpf,
                                  "layer " + std::to_string(i) + std::string(1000 + i, 'x')));
  }
  store.tag(push_bytes(store, media_type::kImageManifest, serialize(m)), kRef);
  return m.layers;
}

// A source that counts readers alive at once. Each reader waits (up to a deadline) for
// `expected` readers to be alive before its first byte, so a parallel copy reliably reaches
// its bound while a sequential one cannot pass 1.
class CountingSource : public ReadOnlyTarget {
 public:
  CountingSource(LayoutStore& inner, size_t expected) : inner_(inner), expected_(expected) {}

  std::unique_ptr<Reader> fetch(const Descriptor& d) override {
    return std::make_unique<CountingReader>(*this, inner_.fetch(d));
  }
  bool exists(const Descriptor& d) override { return inner_.exists(d); }
  Descriptor resolve(const std::string& r) override { return inner_.resolve(r); }
  size_t max_in_flight() {
    std::lock_guard lock(mutex_);
    return max_in_flight_;
  }

 private:
  class CountingReader : public Reader {
   public:
    CountingReader(CountingSource& owner, std::unique_ptr<Reader> inner)
        : owner_(owner), inner_(std::move(inner)) {
      std::lock_guard lock(owner_.mutex_);
      ++owner_.in_flight_;
      owner_.max_in_flight_ = std::max(owner_.max_in_flight_, owner_.in_flight_);
      owner_.cv_.notify_all();
    }
    ~CountingReader() override {
      std::lock_guard lock(owner_.mutex_);
      --owner_.in_flight_;
    }
    size_t read(std::span<std::byte> buffer) override {
      if (first_) {
        first_ = false;
        std::unique_lock lock(owner_.mutex_);
        owner_.cv_.wait_for(lock, std::chrono::milliseconds(300),
                            [&] { return owner_.in_flight_ >= owner_.expected_; });
      }
      return inner_->read(buffer);
    }

   private:
    CountingSource& owner_;
    std::unique_ptr<Reader> inner_;
    bool first_ = true;
  };

  LayoutStore& inner_;
  size_t expected_;
  std::mutex mutex_;
  std::condition_variable cv_;
  size_t in_flight_ = 0;
  size_t max_in_flight_ = 0;
};

TEST(Copy, TransfersALevelInParallelUpToTheBound) {
  TempDir a, b;
  LayoutStore src(a.path()), dst(b.path());
  auto layers = push_many_layers(src, 24);
  CountingSource counting(src, 4);
  CopyOptions opts;
  opts.concurrency = 4;
  std::vector<Descriptor> planned;
  std::set<Digest> copied;
  std::mutex progress_mutex;
  std::map<Digest, uint64_t> progress;
  opts.on_planned = [&](const std::vector<Descriptor>& p) { planned = p; };
  opts.on_copied = [&](const Descriptor& d) { EXPECT_TRUE(copied.insert(d.digest).second); };
  opts.on_progress = [&](const Descriptor& d, uint64_t n) {
    std::lock_guard lock(progress_mutex);
    EXPECT_GT(n, progress[d.digest]);  // cumulative, growing
    progress[d.digest] = n;
  };
  Descriptor root = copy(counting, kRef, dst, kRef, opts);
  EXPECT_EQ(counting.max_in_flight(), 4u);
  EXPECT_EQ(dst.resolve(kRef), root);
  EXPECT_EQ(planned.size(), 26u);  // 24 layers, the config, the manifest
  EXPECT_EQ(copied.size(), 26u);
  EXPECT_EQ(planned.back(), root);  // the manifest comes after every blob
  for (const auto& layer : layers) {
    EXPECT_TRUE(dst.exists(layer));
    EXPECT_EQ(progress[layer.digest], static_cast<uint64_t>(layer.size));
  }
  EXPECT_EQ(progress[root.digest], static_cast<uint64_t>(root.size));

  // Concurrency 1 is sequential.
  TempDir c;
  LayoutStore seq(c.path());
  CountingSource counting_seq(src, 2);
  opts.concurrency = 1;
  opts.on_copied = nullptr;
  opts.on_progress = nullptr;
  push_many_layers(src, 3);  // retags kRef to a smaller image: keeps the waits short
  copy(counting_seq, kRef, seq, kRef, opts);
  EXPECT_EQ(counting_seq.max_in_flight(), 1u);
}

TEST(Copy, FailingBlobAmongManyLeavesNothingTagged) {
  TempDir a, b;
  LayoutStore src(a.path()), dst(b.path());
  auto layers = push_many_layers(src, 30);
  const Descriptor& victim = layers[17];
  LyingSource liar(src, victim.digest);
  CopyOptions opts;
  opts.concurrency = 5;
  try {
    copy(liar, kRef, dst, kRef, opts);
    FAIL() << "copied wrong bytes";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.code(), ErrorCode::DigestMismatch) << msg;
    EXPECT_EQ(msg.rfind("copy: source: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(victim.digest.str()), std::string::npos) << msg;
  }
  EXPECT_TRUE(dst.list().empty());
  EXPECT_FALSE(dst.exists(victim));
  EXPECT_EQ(std::distance(fs::directory_iterator(b.path() / "ingest"), fs::directory_iterator()), 0);
  // Whatever else was stored is intact, and the retry completes.
  for (const auto& entry : fs::directory_iterator(b.path() / "blobs" / "sha256")) {
    Descriptor d{std::string(media_type::kGadgetEbpf), Digest::parse("sha256:" + entry.path().filename().string()),
                 static_cast<int64_t>(fs::file_size(entry.path()))};
    EXPECT_NO_THROW(read_all(dst, d)) << entry.path();
  }
  copy(src, kRef, dst, kRef, opts);
  for (const auto& layer : layers) EXPECT_TRUE(dst.exists(layer));
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
