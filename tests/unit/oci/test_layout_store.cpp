#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

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

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t count_files(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  return std::distance(fs::directory_iterator(dir), fs::directory_iterator());
}

fs::path blob_file(const LayoutStore& s, const Descriptor& d) {
  return s.root() / "blobs" / "sha256" / d.digest.encoded();
}

// A minimal valid manifest (the store walks manifests during garbage collection).
Descriptor push_manifest(LayoutStore& s, const std::string& title) {
  Manifest m;
  m.config = push_bytes(s, media_type::kEmpty, "{}");
  m.annotations = {{std::string(annotation::kTitle), title}};
  return push_bytes(s, media_type::kImageManifest, serialize(m));
}

std::string drain(Reader& r) {
  std::string out;
  std::byte b[4096];
  while (size_t n = r.read(b)) out.append(reinterpret_cast<const char*>(b), n);
  return out;
}

std::string gadget_ref(const std::string& name) { return "ghcr.io/inspektor-gadget/gadget/" + name; }

TEST(LayoutStore, CreatesLayout) {
  TempDir tmp;
  fs::path root = tmp.path() / "nested" / "store";
  LayoutStore store(root);
  EXPECT_EQ(slurp(root / "oci-layout"), R"({"imageLayoutVersion":"1.0.0"})");
  EXPECT_EQ(slurp(root / "index.json"),
            R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})");
  struct stat st;
  ASSERT_EQ(stat(root.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(fs::is_directory(root / "blobs" / "sha256"));
  EXPECT_TRUE(store.list().empty());
}

TEST(LayoutStore, DefaultPath) {
  setenv("IG_OCI_STORE", "/tmp/elsewhere", 1);
  EXPECT_EQ(LayoutStore::default_path(), "/tmp/elsewhere");
  unsetenv("IG_OCI_STORE");
  EXPECT_EQ(LayoutStore::default_path(), "/var/lib/ig/oci-store");
}

TEST(LayoutStore, PushFetchRoundTrip) {
  TempDir tmp;
  LayoutStore store(tmp.path());
  std::string content(300000, 'q');
  content += "end";
  Descriptor d = describe("application/octet-stream", content);
  EXPECT_FALSE(store.exists(d));
  auto r = make_memory_reader(content);
  store.push(d, *r);
  EXPECT_TRUE(store.exists(d));
  EXPECT_EQ(drain(*store.fetch(d)), content);
  struct stat st;
  ASSERT_EQ(stat(blob_file(store, d).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0444u);
  // Pushing existing content is success, whatever the reader holds.
  auto again = make_memory_reader("");
  EXPECT_NO_THROW(store.push(d, *again));
  EXPECT_EQ(count_files(tmp.path() / "ingest"), 0u);
  // Wrong size in the descriptor: not "existing".
  Descriptor other_size = d;
  other_size.size += 1;
  EXPECT_FALSE(store.exists(other_size));
}

TEST(LayoutStore, FetchAbsentIsNotFound) {
  TempDir tmp;
  LayoutStore store(tmp.path());
  try {
    store.fetch(describe("a/b", "nothing"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
  }
}

void expect_push_refused(LayoutStore& store, const Descriptor& d, const std::string& bytes,
                         ErrorCode code) {
  auto r = make_memory_reader(bytes);
  try {
    store.push(d, *r);
    ADD_FAILURE() << "push accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(d.digest.str()), std::string::npos) << e.what();
  }
  EXPECT_EQ(count_files(store.root() / "blobs" / "sha256"), 0u);
  EXPECT_EQ(count_files(store.root() / "ingest"), 0u);
  EXPECT_FALSE(store.exists(d));
}

TEST(LayoutStore, PushRefusesWrongContentAndLeavesNothing) {
  TempDir tmp;
  LayoutStore store(tmp.path());
  Descriptor d = describe("a/b", "the real content");
  expect_push_refused(store, d, "the fake content", ErrorCode::DigestMismatch);
  expect_push_refused(store, d, "the real", ErrorCode::SizeMismatch);
  expect_push_refused(store, d, "the real content, and more", ErrorCode::SizeMismatch);
  Descriptor bad_alg = d;
  bad_alg.digest = Digest::parse("sha512:" + std::string(128, 'a'));
  expect_push_refused(store, bad_alg, "x", ErrorCode::Unsupported);
}

TEST(LayoutStore, DetectsCorruptedBlob) {
  TempDir tmp;
  LayoutStore store(tmp.path());
  Descriptor d = push_bytes(store, "a/b", "precious bytes");
  fs::path file = blob_file(store, d);
  chmod(file.c_str(), 0644);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << "precious bytez";
  auto r = store.fetch(d);
  try {
    drain(*r);
    FAIL() << "corruption not detected";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.code(), ErrorCode::DigestMismatch);
    EXPECT_NE(msg.find("blob " + d.digest.str() + " in store " + tmp.path().string() +
                       " is corrupted"),
              std::string::npos)
        << msg;
  }
  std::ofstream(file, std::ios::binary | std::ios::trunc) << "precious";
  EXPECT_FALSE(store.exists(d));  // wrong size
  EXPECT_THROW(drain(*store.fetch(d)), Error);
}

TEST(LayoutStore, TagResolveListUntagAndCollect) {
  TempDir tmp;
  LayoutStore store(tmp.path());
  auto img = push_image(store, "trace_open");
  auto other = push_image(store, "trace_exec");
  std::string latest = gadget_ref("trace_open:latest");
  std::string v1 = gadget_ref("trace_open:v1");

  EXPECT_THROW(store.resolve(latest), Error);
  store.tag(img.index, latest);
  store.tag(img.index, v1);
  store.tag(other.index, gadget_ref("trace_exec:latest"));
  EXPECT_EQ(store.resolve(latest), img.index);
  EXPECT_EQ(store.resolve(v1), img.index);
  // Re-tagging moves the tag instead of adding a second entry.
  store.tag(other.index, v1);
  EXPECT_EQ(store.resolve(v1), other.index);
  store.tag(img.index, v1);

  // By digest: an index entry, or a manifest blob that only the graph references.
  EXPECT_EQ(store.resolve(gadget_ref("trace_open@") + img.index.digest.str()), img.index);
  Descriptor m = store.resolve(gadget_ref("trace_open@") + img.manifest_amd64.digest.str());
  EXPECT_EQ(m.digest, img.manifest_amd64.digest);
  EXPECT_EQ(m.media_type, media_type::kImageManifest);
  EXPECT_EQ(m.size, img.manifest_amd64.size);
  try {
    store.resolve(gadget_ref("trace_open@") + img.config.digest.str());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
  }

  auto tags = store.list();
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags[0].reference, latest);
  EXPECT_EQ(tags[0].descriptor, img.index);

  // index.json stores the full reference as ref.name.
  Index on_disk = parse_index(slurp(tmp.path() / "index.json"));
  EXPECT_EQ(on_disk.media_type, media_type::kImageIndex);
  EXPECT_EQ(on_disk.manifests[0].annotations.at(std::string(annotation::kRefName)), latest);

  // Another tag still references the index: only the tag goes.
  store.untag(latest);
  EXPECT_THROW(store.resolve(latest), Error);
  EXPECT_TRUE(store.exists(img.layer_amd64));
  EXPECT_TRUE(store.exists(img.index));

  // Last reference: the image's blobs are collected, the other image's stay.
  store.untag(v1);
  for (const auto& d : {img.index, img.manifest_amd64, img.manifest_arm64, img.config,
                        img.layer_amd64, img.layer_arm64}) {
    EXPECT_FALSE(store.exists(d)) << d.digest.str();
  }
  for (const auto& d : {other.index, other.manifest_amd64, other.config, other.layer_arm64}) {
    EXPECT_TRUE(store.exists(d)) << d.digest.str();
  }
  try {
    store.untag(latest);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
  }
}

TEST(LayoutStore, TagRequiresStoredContent) {
  TempDir tmp;
  LayoutStore store(tmp.path());
  try {
    store.tag(describe(media_type::kImageIndex, "{}"), gadget_ref("x:latest"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
  }
}

TEST(LayoutStore, UntagKeepsUnrelatedEntriesAndDropsOwnParts) {
  TempDir tmp;
  LayoutStore store(tmp.path());
  auto img = push_image(store, "a");
  auto loose = push_image(store, "b");
  // As upstream ig records them: untagged per-arch manifests with their platform.
  store.update_index([&](Index& index) {
    for (auto [d, arch] : {std::pair{img.manifest_amd64, "amd64"},
                           std::pair{loose.manifest_arm64, "arm64"}}) {
      d.platform = Platform{arch, "linux"};
      index.manifests.push_back(d);
    }
  });
  store.tag(img.index, gadget_ref("a:latest"));
  store.untag(gadget_ref("a:latest"));
  Index index = parse_index(slurp(tmp.path() / "index.json"));
  ASSERT_EQ(index.manifests.size(), 1u);
  EXPECT_EQ(index.manifests[0].digest, loose.manifest_arm64.digest);
  EXPECT_FALSE(store.exists(img.manifest_amd64));
  EXPECT_TRUE(store.exists(loose.manifest_arm64));
  EXPECT_TRUE(store.exists(loose.layer_arm64));
  EXPECT_TRUE(store.exists(loose.config));
  EXPECT_FALSE(store.exists(loose.layer_amd64));  // only the pushed, never-referenced parts go
}

TEST(LayoutStore, ReadsAndPreservesForeignIndexJson) {
  for (const char* file : {"store_index_upstream.json", "store_index_skopeo.json"}) {
    TempDir tmp;
    fs::copy_file(fs::path(IG_TEST_DATA_DIR) / "oci" / file, tmp.path() / "index.json");
    LayoutStore store(tmp.path());
    Index before = parse_index(slurp(tmp.path() / "index.json"));
    auto listed = store.list();
    ASSERT_FALSE(listed.empty()) << file;
    EXPECT_EQ(store.resolve(listed[0].reference), listed[0].descriptor);
    Descriptor d = push_manifest(store, "new");
    store.tag(d, gadget_ref("new:latest"));
    Index after = parse_index(slurp(tmp.path() / "index.json"));
    ASSERT_EQ(after.manifests.size(), before.manifests.size() + 1) << file;
    for (size_t i = 0; i < before.manifests.size(); ++i) {
      EXPECT_EQ(after.manifests[i], before.manifests[i]) << file;
    }
  }
}

// Child-process helpers: report through the exit status; never return into gtest.
void wait_ok(pid_t pid) {
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(LayoutStore, GcSparesBlobsOfAnotherProcessStillIngesting) {
  TempDir tmp;
  LayoutStore parent(tmp.path());
  Descriptor pending = describe("a/b", "not tagged yet");
  int to_parent[2], to_child[2];
  ASSERT_EQ(pipe(to_parent), 0);
  ASSERT_EQ(pipe(to_child), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Only the child's ends stay open here, so a parent that dies ends the wait with EOF.
    close(to_parent[0]);
    close(to_child[1]);
    int rc = 1;
    try {
      LayoutStore child(tmp.path());
      auto r = make_memory_reader("not tagged yet");
      child.push(pending, *r);
      char c = 'p';
      if (write(to_parent[1], &c, 1) == 1 && read(to_child[0], &c, 1) == 1) rc = 0;
    } catch (...) {
    }
    _exit(rc);
  }
  close(to_parent[1]);
  close(to_child[0]);
  char c;
  ASSERT_EQ(read(to_parent[0], &c, 1), 1);
  ASSERT_TRUE(parent.exists(pending));

  // An untag in this process triggers GC, which must leave the other process's blob alone.
  Descriptor mine = push_manifest(parent, "mine");
  parent.tag(mine, gadget_ref("mine:latest"));
  parent.untag(gadget_ref("mine:latest"));
  parent.collect_garbage();
  EXPECT_TRUE(parent.exists(pending));
  {
    LayoutStore fresh(tmp.path());  // no lock of its own: the probe path
    fresh.collect_garbage();
    EXPECT_TRUE(fresh.exists(pending));
  }

  ASSERT_EQ(write(to_child[1], "x", 1), 1);
  wait_ok(pid);
  // The other process is gone without tagging: now it is garbage.
  parent.collect_garbage();
  EXPECT_FALSE(parent.exists(pending));
  EXPECT_FALSE(parent.exists(mine));
  // Still usable after GC: our shared lock was restored.
  Descriptor later = push_bytes(parent, "a/b", "later");
  EXPECT_TRUE(parent.exists(later));
}

TEST(LayoutStore, GcRemovesOnlyStaleIngestFiles) {
  TempDir tmp;
  LayoutStore store(tmp.path());
  fs::create_directories(tmp.path() / "ingest");
  fs::path stale = tmp.path() / "ingest" / "stale";
  fs::path fresh = tmp.path() / "ingest" / "fresh";
  std::ofstream(stale) << "x";
  std::ofstream(fresh) << "y";
  fs::last_write_time(stale, fs::file_time_type::clock::now() - std::chrono::hours(2));
  store.collect_garbage();
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(fresh));
}

TEST(LayoutStore, ConcurrentTaggingKeepsEveryTag) {
  TempDir tmp;
  LayoutStore setup(tmp.path());
  Descriptor d = push_manifest(setup, "shared");
  constexpr int kTagsPerProcess = 50;
  pid_t pids[2];
  for (int p = 0; p < 2; ++p) {
    pids[p] = fork();
    ASSERT_GE(pids[p], 0);
    if (pids[p] == 0) {
      int rc = 0;
      try {
        LayoutStore store(tmp.path());
        for (int i = 0; i < kTagsPerProcess; ++i) {
          store.tag(d, gadget_ref("p" + std::to_string(p) + ":t" + std::to_string(i)));
        }
      } catch (...) {
        rc = 1;
      }
      _exit(rc);
    }
  }
  for (pid_t pid : pids) wait_ok(pid);
  auto tags = setup.list();
  EXPECT_EQ(tags.size(), 2u * kTagsPerProcess);
  for (int p = 0; p < 2; ++p) {
    for (int i = 0; i < kTagsPerProcess; ++i) {
      EXPECT_EQ(setup.resolve(gadget_ref("p" + std::to_string(p) + ":t" + std::to_string(i))), d);
    }
  }
  // No temp index files left behind.
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    EXPECT_EQ(e.path().filename().string().find("index.json.tmp"), std::string::npos);
  }
}

}  // namespace
}  // namespace ig::oci
