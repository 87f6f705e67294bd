#include "oci/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "oci/copy.hpp"
#include "oci_test_util.hpp"
#include "util/error.hpp"

namespace ig::oci {
namespace {

using test::push_bytes;
using test::push_image;
using test::TempDir;
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes crafted tars, including entries no honest tool would write.
class TarWriter {
 public:
  explicit TarWriter(fs::path path) : path_(std::move(path)), a_(archive_write_new()) {
    archive_write_set_format_pax_restricted(a_);
    archive_write_add_filter_none(a_);
    if (archive_write_open_filename(a_, path_.c_str()) != ARCHIVE_OK) throw std::runtime_error("open");
  }
  ~TarWriter() { archive_write_free(a_); }

  TarWriter& file(const std::string& name, const std::string& content) {
    return entry(name, AE_IFREG, content);
  }
  TarWriter& dir(const std::string& name) { return entry(name, AE_IFDIR, ""); }
  TarWriter& special(const std::string& name, mode_t type) { return entry(name, type, ""); }
  TarWriter& symlink(const std::string& name, const std::string& target) {
    auto* e = new_entry(name, AE_IFLNK, 0);
    archive_entry_set_symlink(e, target.c_str());
    return write(e, "");
  }
  TarWriter& hardlink(const std::string& name, const std::string& target) {
    auto* e = new_entry(name, AE_IFREG, 0);
    archive_entry_set_hardlink(e, target.c_str());
    return write(e, "");
  }
  void close() { archive_write_close(a_); }

 private:
  struct archive_entry* new_entry(const std::string& name, mode_t type, size_t size) {
    auto* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(size));
    return e;
  }
  TarWriter& entry(const std::string& name, mode_t type, const std::string& content) {
    return write(new_entry(name, type, content.size()), content);
  }
  TarWriter& write(struct archive_entry* e, const std::string& content) {
    if (archive_write_header(a_, e) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(a_));
    archive_entry_free(e);
    if (!content.empty()) archive_write_data(a_, content.data(), content.size());
    return *this;
  }

  fs::path path_;
  struct archive* a_;
};

std::string blob_name(const Descriptor& d) { return "blobs/sha256/" + d.digest.encoded(); }

Descriptor named(Descriptor d, const std::string& name) {
  d.annotations[std::string(annotation::kRefName)] = name;
  return d;
}

std::string index_json(const std::vector<Descriptor>& entries) {
  Index index;
  index.media_type = media_type::kImageIndex;
  index.manifests = entries;
  return serialize(index);
}

constexpr const char* kLayout = R"({"imageLayoutVersion":"1.0.0"})";

class ArchiveTest : public ::testing::Test {
 protected:
  ArchiveTest() : src_(tmp_.path() / "src"), dst_(tmp_.path() / "dst") {
    image_ = push_image(src_, "trace_open");
    src_.tag(image_.index, kRef);
  }

  // Every blob of the source store as a tar entry.
  void add_blobs(TarWriter& tar) {
    for (const auto& e : fs::directory_iterator(src_.root() / "blobs" / "sha256")) {
      tar.file("blobs/sha256/" + e.path().filename().string(), slurp(e.path()));
    }
  }

  // The store's index.json and blob files, to show that a refused import changed nothing.
  std::pair<std::string, std::set<std::string>> snapshot() {
    std::set<std::string> blobs;
    for (const auto& e : fs::directory_iterator(dst_.root() / "blobs" / "sha256")) {
      blobs.insert(e.path().filename().string());
    }
    return {slurp(dst_.root() / "index.json"), blobs};
  }

  // Imports `tar` expecting failure whose message contains `needle`; the store is unchanged.
  void expect_refused(const fs::path& tar, const std::string& needle, ImportOptions options = {}) {
    auto before = snapshot();
    try {
      import_archive(tar, dst_, options);
      FAIL() << "import of " << tar << " succeeded; expected an error containing " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_EQ(snapshot(), before);
  }

  static constexpr const char* kRef = "ghcr.io/inspektor-gadget/gadget/trace_open:v1";
  TempDir tmp_;
  LayoutStore src_;
  LayoutStore dst_;
  test::TestImage image_;
};

TEST_F(ArchiveTest, ExportImportRoundTripCarriesEveryPlatformAndSignatureTags) {
  std::string sig_tag = "sha256-" + image_.index.digest.encoded() + ".sig";
  Descriptor sig_layer = push_bytes(src_, media_type::kCosignSimpleSigning, "{\"critical\":{}}");
  Manifest sig;
  sig.media_type = media_type::kImageManifest;
  sig.config = push_bytes(src_, media_type::kEmpty, "{}");
  sig.layers = {sig_layer};
  Descriptor sig_desc = push_bytes(src_, media_type::kImageManifest, serialize(sig));
  src_.tag(sig_desc, sig_tag);
  // Another image in the store that must not be exported.
  auto other = push_image(src_, "other");
  src_.tag(other.index, "ghcr.io/x/other:v1");

  fs::path file = tmp_.path() / "out.tar";
  export_images(src_, {kRef}, file);

  auto tags = import_archive(file, dst_);
  std::sort(tags.begin(), tags.end());
  std::vector<std::string> expected{kRef, sig_tag};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(tags, expected);
  EXPECT_EQ(dst_.resolve(kRef).digest, image_.index.digest);
  EXPECT_EQ(dst_.resolve(sig_tag).digest, sig_desc.digest);
  for (const auto& d : {image_.manifest_amd64, image_.manifest_arm64, image_.layer_amd64,
                        image_.layer_arm64, image_.config, sig_layer}) {
    EXPECT_EQ(read_all(dst_, d), read_all(src_, d)) << d.digest.str();
  }
  EXPECT_FALSE(dst_.exists(other.config));
}

TEST_F(ArchiveTest, ExportIsDeterministicSortedAndHoldsOnlyRegularRelativeFiles) {
  auto second = push_image(src_, "second");
  src_.tag(second.index, "ghcr.io/inspektor-gadget/gadget/second:latest");
  fs::path a = tmp_.path() / "a.tar";
  fs::path b = tmp_.path() / "b.tar";
  export_images(src_, {kRef, "ghcr.io/inspektor-gadget/gadget/second:latest"}, a);
  export_images(src_, {"ghcr.io/inspektor-gadget/gadget/second:latest", kRef}, b);
  EXPECT_EQ(slurp(a), slurp(b));

  struct archive* ar = archive_read_new();
  archive_read_support_format_tar(ar);
  ASSERT_EQ(archive_read_open_filename(ar, a.c_str(), 10240), ARCHIVE_OK);
  struct archive_entry* e;
  std::vector<std::string> names;
  std::string index_text;
  while (archive_read_next_header(ar, &e) == ARCHIVE_OK) {
    names.push_back(archive_entry_pathname(e));
    EXPECT_EQ(archive_entry_filetype(e), AE_IFREG);
    EXPECT_EQ(archive_entry_mtime(e), 0);  // no created annotation: the epoch
    if (names.back() == "index.json") {
      index_text.resize(archive_entry_size(e));
      archive_read_data(ar, index_text.data(), index_text.size());
    }
  }
  archive_read_free(ar);
  ASSERT_GE(names.size(), 3u);
  EXPECT_EQ(names[names.size() - 2], "index.json");
  EXPECT_EQ(names.back(), "oci-layout");
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const auto& n : names) EXPECT_NE(n.front(), '/');

  Index index = parse_index(index_text);
  ASSERT_EQ(index.manifests.size(), 2u);
  EXPECT_LT(index.manifests[0].digest.str(), index.manifests[1].digest.str());
}

TEST_F(ArchiveTest, TarTimestampsComeFromTheIndexCreatedAnnotation) {
  LayoutStore layout(tmp_.path() / "layout");
  copy(src_, kRef, layout, kRef);
  layout.update_index([](Index& i) {
    i.annotations[std::string(annotation::kCreated)] = "2024-01-02T03:04:05+01:00";
  });
  fs::path file = tmp_.path() / "t.tar";
  write_layout_tar(layout.root(), file);
  struct archive* ar = archive_read_new();
  archive_read_support_format_tar(ar);
  ASSERT_EQ(archive_read_open_filename(ar, file.c_str(), 10240), ARCHIVE_OK);
  struct archive_entry* e;
  std::set<std::string> names;
  while (archive_read_next_header(ar, &e) == ARCHIVE_OK) {
    names.insert(archive_entry_pathname(e));
    EXPECT_EQ(archive_entry_mtime(e), 1704161045);  // 2024-01-02T02:04:05Z
  }
  archive_read_free(ar);
  // The store's own files (locks, ingest directory) stay out of the tar.
  for (const auto& n : names) {
    EXPECT_TRUE(n == "index.json" || n == "oci-layout" || n.rfind("blobs/sha256/", 0) == 0) << n;
  }
}

TEST_F(ArchiveTest, ExportOfAMissingImageLeavesNoFile) {
  fs::path file = tmp_.path() / "missing.tar";
  EXPECT_THROW(export_images(src_, {"ghcr.io/x/absent:v1"}, file), Error);
  EXPECT_FALSE(fs::exists(file));
  for (const auto& e : fs::directory_iterator(tmp_.path())) {
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  }
}

TEST_F(ArchiveTest, ImportAcceptsDotSlashNamesDirectoriesAndForeignFiles) {
  fs::path file = tmp_.path() / "dots.tar";
  {
    TarWriter tar(file);
    tar.dir("./").dir("./blobs/").dir("./blobs/sha256/");
    for (const auto& e : fs::directory_iterator(src_.root() / "blobs" / "sha256")) {
      tar.file("./blobs/sha256/" + e.path().filename().string(), slurp(e.path()));
    }
    tar.file("./manifest.json", "[]");  // docker save's file: ignored
    tar.file("./index.json", index_json({named(image_.index, kRef)}));
    tar.file("./oci-layout", kLayout);
    tar.close();
  }
  EXPECT_EQ(import_archive(file, dst_), std::vector<std::string>{kRef});
  EXPECT_EQ(dst_.resolve(kRef).digest, image_.index.digest);
}

// Upstream ig's export is a tar of an oras-go layout: full references, bare cosign tags and
// untagged referrer manifests in index.json. Its signature test store has exactly that shape.
TEST_F(ArchiveTest, ImportsUpstreamOrasLayouts) {
  fs::path upstream = fs::path(IG_TEST_DATA_DIR) / "trust" / "upstream-oci-store";
  fs::path file = tmp_.path() / "upstream.tar";
  {
    TarWriter tar(file);
    for (const auto& e : fs::recursive_directory_iterator(upstream)) {
      if (e.is_regular_file()) tar.file(fs::relative(e.path(), upstream).string(), slurp(e.path()));
    }
    tar.close();
  }
  Index source = parse_index(slurp(upstream / "index.json"));
  std::vector<std::string> expected;
  size_t untagged = 0;
  for (const auto& d : source.manifests) {
    auto it = d.annotations.find(std::string(annotation::kRefName));
    if (it != d.annotations.end()) {
      expected.push_back(it->second);
    } else if (fs::exists(upstream / "blobs" / "sha256" / d.digest.encoded())) {
      ++untagged;  // entries whose blob the store lacks are not imported
    }
  }
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(import_archive(file, dst_), expected);
  for (const auto& d : source.manifests) {
    auto it = d.annotations.find(std::string(annotation::kRefName));
    if (it != d.annotations.end()) EXPECT_EQ(dst_.resolve(it->second).digest, d.digest) << it->second;
  }
  Index imported = parse_index(slurp(dst_.root() / "index.json"));
  EXPECT_EQ(imported.manifests.size(), expected.size() + untagged);
}

TEST_F(ArchiveTest, BlobsNoEntryReachesAreNotKept) {
  fs::path file = tmp_.path() / "stray.tar";
  Descriptor stray = describe("application/octet-stream", "nobody refers to me");
  {
    TarWriter tar(file);
    add_blobs(tar);
    tar.file(blob_name(stray), "nobody refers to me");
    tar.file("index.json", index_json({named(image_.index, kRef)}));
    tar.file("oci-layout", kLayout);
    tar.close();
  }
  EXPECT_EQ(import_archive(file, dst_), std::vector<std::string>{kRef});
  EXPECT_FALSE(fs::exists(dst_.root() / blob_name(stray)));
  EXPECT_TRUE(fs::exists(dst_.root() / blob_name(image_.layer_arm64)));
}

TEST_F(ArchiveTest, SkopeoTagOnlyNamesNeedARepository) {
  fs::path file = tmp_.path() / "skopeo.tar";
  {
    TarWriter tar(file);
    add_blobs(tar);
    tar.file("index.json", index_json({named(image_.index, "v2")}));
    tar.file("oci-layout", kLayout);
    tar.close();
  }
  expect_refused(file, "--name");
  ImportOptions options;
  options.name = parse_reference("myregistry.io/gadgets/trace_open");
  EXPECT_EQ(import_archive(file, dst_, options),
            std::vector<std::string>{"myregistry.io/gadgets/trace_open:v2"});
  EXPECT_EQ(dst_.resolve("myregistry.io/gadgets/trace_open:v2").digest, image_.index.digest);
}

TEST_F(ArchiveTest, ShortRepoTagNamesAreNormalised) {
  fs::path file = tmp_.path() / "short.tar";
  {
    TarWriter tar(file);
    add_blobs(tar);
    tar.file("index.json", index_json({named(image_.index, "trace_open:v3")}));
    tar.file("oci-layout", kLayout);
    tar.close();
  }
  EXPECT_EQ(import_archive(file, dst_),
            std::vector<std::string>{"ghcr.io/inspektor-gadget/gadget/trace_open:v3"});
}

TEST_F(ArchiveTest, UnnamedImageTakesTheGivenName) {
  fs::path file = tmp_.path() / "unnamed.tar";
  {
    TarWriter tar(file);
    add_blobs(tar);
    // The per-arch manifest listed untagged too, as oras stores do: not a second image.
    tar.file("index.json", index_json({image_.index, image_.manifest_amd64}));
    tar.file("oci-layout", kLayout);
    tar.close();
  }
  expect_refused(file, "no image has a name");
  ImportOptions options;
  options.name = parse_reference("localhost:5000/trace_open:v9");
  EXPECT_EQ(import_archive(file, dst_, options),
            std::vector<std::string>{"localhost:5000/trace_open:v9"});
  EXPECT_EQ(dst_.resolve("localhost:5000/trace_open:v9").digest, image_.index.digest);
}

TEST_F(ArchiveTest, ImportIsAllOrNothing) {
  // One good image, then a second whose layer is missing: neither is tagged, and the blobs the
  // archive brought are collected again.
  dst_.tag(push_image(dst_, "existing").index, "ghcr.io/x/existing:v1");
  Manifest broken;
  broken.config = image_.config;
  broken.layers = {describe(media_type::kGadgetEbpf, "not in the archive")};
  std::string broken_bytes = serialize(broken);
  Descriptor broken_desc = describe(media_type::kImageManifest, broken_bytes);
  fs::path file = tmp_.path() / "partial.tar";
  {
    TarWriter tar(file);
    add_blobs(tar);
    tar.file(blob_name(broken_desc), broken_bytes);
    tar.file("index.json", index_json({named(image_.index, kRef), named(broken_desc, "ghcr.io/x/broken:v1")}));
    tar.file("oci-layout", kLayout);
    tar.close();
  }
  expect_refused(file, "is missing from the archive");
  EXPECT_THROW(dst_.resolve(kRef), Error);
}

TEST_F(ArchiveTest, RefusesSizesThatDisagreeWithTheDescriptor) {
  Descriptor lying = named(image_.index, kRef);
  lying.size += 1;
  fs::path file = tmp_.path() / "size.tar";
  {
    TarWriter tar(file);
    add_blobs(tar);
    tar.file("index.json", index_json({lying}));
    tar.file("oci-layout", kLayout);
    tar.close();
  }
  expect_refused(file, blob_name(image_.index) + ": entry is " + std::to_string(image_.index.size));
}

TEST_F(ArchiveTest, RefusesBlobsThatDoNotHashToTheirName) {
  fs::path file = tmp_.path() / "digest.tar";
  {
    TarWriter tar(file);
    tar.file(blob_name(image_.config), "forged content of equal-ish length");
    tar.file("index.json", index_json({}));
    tar.file("oci-layout", kLayout);
    tar.close();
  }
  expect_refused(file, blob_name(image_.config));
}

TEST_F(ArchiveTest, RefusesBlobsAlreadyInTheStoreWhenTheArchiveCopyIsCorrupt) {
  Descriptor existing = push_bytes(dst_, "application/octet-stream", "hello");
  fs::path file = tmp_.path() / "corrupt-known.tar";
  {
    TarWriter tar(file);
    tar.file(blob_name(existing), "HELLO");
    tar.file("index.json", index_json({}));
    tar.file("oci-layout", kLayout);
    tar.close();
  }
  expect_refused(file, "digest mismatch");
}

struct MaliciousCase {
  const char* label;
  std::function<void(TarWriter&)> add;
  const char* needle;
};

TEST_F(ArchiveTest, RefusesMaliciousEntriesNamingThem) {
  std::vector<MaliciousCase> cases = {
      {"absolute", [](TarWriter& t) { t.file("/etc/evil", "x"); }, "/etc/evil: absolute path"},
      {"dotdot", [](TarWriter& t) { t.file("blobs/../../evil", "x"); }, "blobs/../../evil: path contains \"..\""},
      {"symlink", [](TarWriter& t) { t.symlink("blobs/sha256/link", "/etc/passwd"); }, "blobs/sha256/link: symbolic link"},
      {"hardlink", [](TarWriter& t) { t.hardlink("index2.json", "/etc/shadow"); }, "index2.json: hard link"},
      {"chardev", [](TarWriter& t) { t.special("dev", AE_IFCHR); }, "dev: character device"},
      {"blockdev", [](TarWriter& t) { t.special("blk", AE_IFBLK); }, "blk: block device"},
      {"fifo", [](TarWriter& t) { t.special("blobs/fifo", AE_IFIFO); }, "blobs/fifo: fifo"},
      {"duplicate", [](TarWriter& t) { t.file("oci-layout", kLayout); }, "oci-layout: duplicate entry"},
      {"duplicate-dotslash", [](TarWriter& t) { t.file("./oci-layout", kLayout); }, "./oci-layout: duplicate entry"},
      {"bad-blob-name", [](TarWriter& t) { t.file("blobs/sha256/nothex", "x"); }, "blobs/sha256/nothex: not a blob path"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    fs::path file = tmp_.path() / (std::string(c.label) + ".tar");
    {
      TarWriter tar(file);
      tar.file("oci-layout", kLayout);
      add_blobs(tar);  // good blobs first: they must be collected again after the refusal
      c.add(tar);
      tar.file("index.json", index_json({named(image_.index, kRef)}));
      tar.close();
    }
    expect_refused(file, c.needle);
  }
}

TEST_F(ArchiveTest, RefusesTarBombs) {
  fs::path many = tmp_.path() / "many.tar";
  {
    TarWriter tar(many);
    for (int i = 0; i < 20; ++i) tar.file("junk/" + std::to_string(i), "x");
    tar.close();
  }
  ImportOptions few;
  few.limits.max_entries = 10;
  expect_refused(many, "more than 10 entries", few);

  fs::path big = tmp_.path() / "big.tar";
  {
    TarWriter tar(big);
    tar.file("junk", std::string(4096, 'x'));
    tar.close();
  }
  ImportOptions small;
  small.limits.max_total_bytes = 1024;
  expect_refused(big, "junk: archive content exceeds 1024 bytes", small);
}

TEST_F(ArchiveTest, RefusesArchivesThatAreNotLayouts) {
  fs::path no_index = tmp_.path() / "noindex.tar";
  {
    TarWriter tar(no_index);
    tar.file("oci-layout", kLayout);
    tar.close();
  }
  expect_refused(no_index, "index.json: missing");
  fs::path garbage = tmp_.path() / "garbage.tar";
  std::ofstream(garbage) << "this is not a tar archive at all, just text that goes on";
  expect_refused(garbage, garbage.string());
  expect_refused(tmp_.path() / "absent.tar", "absent.tar");
}

TEST_F(ArchiveTest, LayoutArchiveServesVerifiedBlobsAndResolvesNames) {
  fs::path file = tmp_.path() / "t.tar";
  export_images(src_, {kRef}, file);
  LayoutStore staging(tmp_.path() / "staging");
  LayoutArchive archive(file.string(), staging);
  archive.read_file(file);
  EXPECT_EQ(archive.resolve(kRef).digest, image_.index.digest);
  EXPECT_EQ(archive.resolve("x@" + image_.index.digest.str()).digest, image_.index.digest);
  EXPECT_THROW(archive.resolve("ghcr.io/x/y:nope"), Error);
  EXPECT_TRUE(archive.exists(image_.layer_arm64));
  Descriptor wrong = image_.layer_arm64;
  wrong.size -= 1;
  EXPECT_FALSE(archive.exists(wrong));
  try {
    archive.fetch(wrong);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::SizeMismatch);
  }
  EXPECT_EQ(read_all(archive, image_.layer_arm64), "ELF arm64 trace_open");
}

}  // namespace
}  // namespace ig::oci
