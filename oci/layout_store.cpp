#include "oci/layout_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "oci/media_types.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;

namespace ig::oci {

namespace {

constexpr std::string_view kLayoutFile = "oci-layout";
constexpr std::string_view kLayoutContent = R"({"imageLayoutVersion":"1.0.0"})";
constexpr std::string_view kIndexFile = "index.json";
constexpr std::string_view kIndexLock = "index.json.lock";
constexpr std::string_view kGcLock = "gc.lock";
constexpr auto kStaleIngestAge = std::chrono::hours(1);

[[noreturn]] void throw_errno(const std::string& what) {
  throw Error(ErrorCode::Io, what + ": " + std::strerror(errno));
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.release();
    }
    return *this;
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

Fd open_or_throw(const fs::path& path, int flags, mode_t mode = 0) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) throw_errno("open " + path.string());
  return Fd(fd);
}

void flock_or_throw(int fd, int op, const fs::path& path) {
  while (::flock(fd, op) != 0) {
    if (errno != EINTR) throw_errno("lock " + path.string());
  }
}

void write_all(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write " + path.string());
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void fsync_or_throw(int fd, const fs::path& path) {
  if (::fsync(fd) != 0) throw_errno("fsync " + path.string());
}

// Starts the disk writeback of a blob while it is still being received, so that the final
// fsync waits for the last few MiB only instead of the whole blob (a 256 MiB layer's fsync
// was most of a pull's time). Asynchronous: no write waits for the disk.
class WritebackStarter {
 public:
  explicit WritebackStarter(int fd) : fd_(fd) {}
  void wrote(size_t bytes) {
    written_ += bytes;
    if (written_ - started_ < kStep) return;
    // Only a hint: a file system without support simply leaves it all to fsync.
    (void)::sync_file_range(fd_, static_cast<off64_t>(started_), static_cast<off64_t>(written_ - started_),
                            SYNC_FILE_RANGE_WRITE);
    started_ = written_;
  }

 private:
  static constexpr uint64_t kStep = 8 << 20;
  int fd_;
  uint64_t written_ = 0;
  uint64_t started_ = 0;
};

void fsync_dir(const fs::path& dir) {
  Fd fd = open_or_throw(dir, O_RDONLY | O_DIRECTORY);
  fsync_or_throw(fd.get(), dir);
}

std::string random_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t v = rng();
  std::string s;
  for (int i = 0; i < 16; ++i, v >>= 4) s += kHex[v & 0xf];
  return s;
}

// Writes `dir/name` so that readers see either the old or the complete new file.
void replace_file(const fs::path& dir, std::string_view name, std::string_view content) {
  fs::path final_path = dir / name;
  fs::path tmp = dir / (std::string(name) + ".tmp-" + random_suffix());
  try {
    Fd fd = open_or_throw(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    write_all(fd.get(), content, tmp);
    fsync_or_throw(fd.get(), tmp);
    fd.reset();
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) throw_errno("rename " + tmp.string());
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  fsync_dir(dir);
}

void make_dir(const fs::path& dir, mode_t mode) {
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) throw_errno("mkdir " + dir.string());
}

class FileReader : public Reader {
 public:
  FileReader(Fd fd, fs::path path) : fd_(std::move(fd)), path_(std::move(path)) {}
  size_t read(std::span<std::byte> buffer) override {
    while (true) {
      ssize_t n = ::read(fd_.get(), buffer.data(), buffer.size());
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) throw_errno("read " + path_.string());
    }
  }

 private:
  Fd fd_;
  fs::path path_;
};

// Reports content that does not match its file name as store corruption.
class StoreBlobReader : public Reader {
 public:
  StoreBlobReader(std::unique_ptr<Reader> inner, std::string digest, fs::path root)
      : inner_(std::move(inner)), digest_(std::move(digest)), root_(std::move(root)) {}
  size_t read(std::span<std::byte> buffer) override {
    try {
      return inner_->read(buffer);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::DigestMismatch && e.code() != ErrorCode::SizeMismatch) throw;
      throw Error(ErrorCode::DigestMismatch, "blob " + digest_ + " in store " + root_.string() +
                                                 " is corrupted: " + e.what());
    }
  }
  const Descriptor* verifies() const override { return inner_->verifies(); }

 private:
  std::unique_ptr<Reader> inner_;
  std::string digest_;
  fs::path root_;
};

Descriptor without_ref_name(Descriptor d) {
  d.annotations.erase(std::string(annotation::kRefName));
  return d;
}

}  // namespace

const std::string* ref_name(const Descriptor& entry) {
  auto it = entry.annotations.find(std::string(annotation::kRefName));
  return it == entry.annotations.end() ? nullptr : &it->second;
}

void set_ref_name(Index& index, const Descriptor& desc, const std::string& reference) {
  Descriptor entry = desc;
  entry.annotations[std::string(annotation::kRefName)] = reference;
  bool placed = false;
  for (auto it = index.manifests.begin(); it != index.manifests.end();) {
    const std::string* name = ref_name(*it);
    if (name == nullptr || *name != reference) {
      ++it;
    } else if (!placed) {
      *it++ = entry;
      placed = true;
    } else {
      it = index.manifests.erase(it);
    }
  }
  if (!placed) index.manifests.push_back(std::move(entry));
}

LayoutStore::LayoutStore(fs::path root) : root_(std::move(root)) {
  std::error_code ec;
  if (!fs::exists(root_, ec)) {
    if (root_.has_parent_path()) fs::create_directories(root_.parent_path(), ec);
    make_dir(root_, 0700);
  } else if (!fs::is_directory(root_, ec)) {
    throw Error(ErrorCode::Io, "store " + root_.string() + ": not a directory");
  }
  make_dir(root_ / "blobs", 0755);
  make_dir(root_ / "blobs" / "sha256", 0755);
  if (!fs::exists(root_ / kLayoutFile, ec)) replace_file(root_, kLayoutFile, kLayoutContent);
  if (!fs::exists(root_ / kIndexFile, ec)) update_index([](Index&) {});
}

LayoutStore::~LayoutStore() {
  if (gc_lock_fd_ >= 0) ::close(gc_lock_fd_);
}

fs::path LayoutStore::default_path() {
  const char* env = std::getenv("IG_OCI_STORE");
  if (env != nullptr && *env != '\0') return env;
  return "/var/lib/ig/oci-store";
}

fs::path LayoutStore::blob_path(const Digest& digest) const {
  return root_ / "blobs" / digest.algorithm() / digest.encoded();
}

void LayoutStore::hold_gc_shared_lock() {
  std::lock_guard guard(gc_lock_mutex_);
  if (gc_lock_fd_ >= 0) return;
  fs::path path = root_ / kGcLock;
  Fd fd = open_or_throw(path, O_RDWR | O_CREAT, 0600);
  flock_or_throw(fd.get(), LOCK_SH, path);
  gc_lock_fd_ = fd.release();
}

std::unique_ptr<Reader> LayoutStore::fetch(const Descriptor& desc) {
  fs::path path = blob_path(desc.digest);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      throw Error(ErrorCode::NotFound, "blob " + desc.digest.str() + " (" + desc.media_type +
                                           ") not found in store " + root_.string());
    }
    throw_errno("open " + path.string());
  }
  auto file = std::make_unique<FileReader>(Fd(fd), path);
  return std::make_unique<StoreBlobReader>(make_verifying_reader(std::move(file), desc),
                                           desc.digest.str(), root_);
}

bool LayoutStore::exists(const Descriptor& desc) {
  struct stat st;
  if (::stat(blob_path(desc.digest).c_str(), &st) != 0) return false;
  return S_ISREG(st.st_mode) && st.st_size == desc.size;
}

void LayoutStore::push(const Descriptor& expected, Reader& content) {
  if (expected.digest.algorithm() != "sha256") {
    throw Error(ErrorCode::Unsupported, "blob " + expected.digest.str() +
                                            ": only sha256 digests can be stored");
  }
  // Before anything lands in blobs/: from now on no other process collects our untagged blobs.
  hold_gc_shared_lock();
  if (exists(expected)) return;

  fs::path ingest = root_ / "ingest";
  make_dir(ingest, 0755);
  fs::path tmp = ingest / (expected.digest.encoded() + "-" + random_suffix());
  fs::path final_path = blob_path(expected.digest);
  Fd fd = open_or_throw(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
  try {
    auto reader = make_verifying_reader(borrow_reader(content), expected);
    std::vector<std::byte> buffer(256 * 1024);
    WritebackStarter writeback(fd.get());
    while (size_t n = reader->read(buffer)) {
      write_all(fd.get(), std::string_view(reinterpret_cast<const char*>(buffer.data()), n), tmp);
      writeback.wrote(n);
    }
    fsync_or_throw(fd.get(), tmp);
    if (::fchmod(fd.get(), 0444) != 0) throw_errno("chmod " + tmp.string());
    fd.reset();
    make_dir(final_path.parent_path(), 0755);
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) throw_errno("rename " + tmp.string());
  } catch (...) {
    fd.reset();
    ::unlink(tmp.c_str());
    throw;
  }
  fsync_dir(final_path.parent_path());
}

Index LayoutStore::read_index() const {
  fs::path path = root_ / kIndexFile;
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw < 0) {
    if (errno == ENOENT) {
      Index empty;
      empty.media_type = media_type::kImageIndex;
      return empty;
    }
    throw_errno("open " + path.string());
  }
  FileReader reader(Fd(raw), path);
  std::string text;
  std::byte buffer[64 * 1024];
  while (size_t n = reader.read(buffer)) text.append(reinterpret_cast<const char*>(buffer), n);
  try {
    return parse_index(text);
  } catch (const Error& e) {
    throw Error(e.code(), path.string() + ": " + e.what());
  }
}

void LayoutStore::update_index(const std::function<void(Index&)>& edit) {
  fs::path lock_path = root_ / kIndexLock;
  Fd lock = open_or_throw(lock_path, O_RDWR | O_CREAT, 0600);
  flock_or_throw(lock.get(), LOCK_EX, lock_path);
  // Re-read under the lock so that edits by other processes are never lost.
  Index index = read_index();
  edit(index);
  index.schema_version = 2;
  index.media_type = media_type::kImageIndex;
  replace_file(root_, kIndexFile, serialize(index));
}

Descriptor LayoutStore::resolve(const std::string& reference) {
  Index index = read_index();
  // "name@sha256:..." (or a bare digest) resolves by content; anything else is a tag.
  std::string_view digest_text;
  if (auto at = reference.find('@'); at != std::string::npos) {
    digest_text = std::string_view(reference).substr(at + 1);
  } else if (reference.rfind("sha256:", 0) == 0) {
    digest_text = reference;
  }
  if (digest_text.empty()) {
    for (const auto& d : index.manifests) {
      const std::string* name = ref_name(d);
      if (name != nullptr && *name == reference) return without_ref_name(d);
    }
    throw Error(ErrorCode::NotFound,
                "image " + reference + " not found in store " + root_.string());
  }

  Digest digest = Digest::parse(digest_text);
  for (const auto& d : index.manifests) {
    if (d.digest == digest) return without_ref_name(d);
  }
  // Not an index entry: a manifest or index blob stored as part of another image.
  struct stat st;
  if (::stat(blob_path(digest).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw Error(ErrorCode::NotFound,
                "image " + reference + " not found in store " + root_.string());
  }
  Descriptor desc;
  desc.digest = digest;
  desc.size = st.st_size;
  std::string content = read_all(*this, desc);
  try {
    auto doc = nlohmann::json::parse(content);
    if (doc.is_object() && doc.contains("mediaType") && doc["mediaType"].is_string()) {
      desc.media_type = doc["mediaType"].get<std::string>();
    } else if (doc.is_object() && doc.contains("manifests")) {
      desc.media_type = media_type::kImageIndex;
    } else if (doc.is_object() && doc.contains("config")) {
      desc.media_type = media_type::kImageManifest;
    }
  } catch (const nlohmann::json::exception&) {
  }
  if (!is_manifest_type(desc.media_type) && !is_index_type(desc.media_type)) {
    throw Error(ErrorCode::NotFound, "image " + reference + " in store " + root_.string() +
                                         ": blob is not a manifest or an index");
  }
  return desc;
}

void LayoutStore::tag(const Descriptor& desc, const std::string& reference) {
  // Keeps a concurrent garbage collection from deleting the blob between check and tag.
  hold_gc_shared_lock();
  if (!exists(desc)) {
    throw Error(ErrorCode::NotFound, "cannot tag " + reference + ": blob " + desc.digest.str() +
                                         " is not in store " + root_.string());
  }
  update_index([&](Index& index) { set_ref_name(index, desc, reference); });
}

std::vector<TaggedDescriptor> LayoutStore::list() {
  std::vector<TaggedDescriptor> out;
  for (const auto& d : read_index().manifests) {
    if (const std::string* name = ref_name(d)) out.push_back({*name, without_ref_name(d)});
  }
  return out;
}

namespace {

// Adds every digest reachable from `node` to `seen`. Absent blobs end the walk there (they
// have nothing to keep); blobs that fail verification abort it, since their children are
// unknown and deleting anything could lose data.
void mark_reachable(LayoutStore& store, const Descriptor& node, std::set<Digest>& seen) {
  if (!seen.insert(node.digest).second) return;
  if (!is_manifest_type(node.media_type) && !is_index_type(node.media_type)) return;
  if (!store.exists(node)) return;
  for (const auto& child : successors(node, read_all(store, node))) {
    mark_reachable(store, child, seen);
  }
}

}  // namespace

void LayoutStore::untag(const std::string& reference) {
  bool orphaned = false;
  update_index([&](Index& index) {
    auto& entries = index.manifests;
    auto it = std::find_if(entries.begin(), entries.end(), [&](const Descriptor& d) {
      const std::string* name = ref_name(d);
      return name != nullptr && *name == reference;
    });
    if (it == entries.end()) {
      throw Error(ErrorCode::NotFound,
                  "image " + reference + " not found in store " + root_.string());
    }
    Descriptor removed = *it;
    entries.erase(it);
    for (const auto& d : entries) {
      if (d.digest == removed.digest) return;  // still referenced: only the tag goes
    }
    orphaned = true;
    // Untagged entries that were parts of the removed image (per-arch manifests recorded by
    // upstream ig) go with it, unless something else still reaches them.
    std::set<Digest> part_of_removed;
    mark_reachable(*this, removed, part_of_removed);
    auto is_orphan_part = [&](const Descriptor& d) {
      return ref_name(d) == nullptr && part_of_removed.count(d.digest) != 0;
    };
    std::set<Digest> kept;
    for (const auto& d : entries) {
      if (!is_orphan_part(d)) mark_reachable(*this, d, kept);
    }
    std::erase_if(entries,
                  [&](const Descriptor& d) { return is_orphan_part(d) && !kept.count(d.digest); });
  });
  if (orphaned) collect_garbage();
}

void LayoutStore::collect_garbage() {
  // Exclusive gc.lock = no other LayoutStore anywhere holds blobs it has not tagged yet.
  std::lock_guard guard(gc_lock_mutex_);
  fs::path gc_path = root_ / kGcLock;
  Fd own_probe;
  int lock_fd = gc_lock_fd_;
  if (lock_fd >= 0) {
    // Our own shared lock would conflict with a second descriptor: convert it instead. Linux
    // drops the shared lock when a non-blocking conversion fails, so take it back then.
    if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      flock_or_throw(lock_fd, LOCK_SH, gc_path);
      return;
    }
  } else {
    own_probe = open_or_throw(gc_path, O_RDWR | O_CREAT, 0600);
    if (::flock(own_probe.get(), LOCK_EX | LOCK_NB) != 0) return;
    lock_fd = own_probe.get();
  }

  auto release = [&] {
    if (lock_fd == gc_lock_fd_) flock_or_throw(lock_fd, LOCK_SH, gc_path);
  };
  try {
    fs::path lock_path = root_ / kIndexLock;
    Fd index_lock = open_or_throw(lock_path, O_RDWR | O_CREAT, 0600);
    flock_or_throw(index_lock.get(), LOCK_EX, lock_path);

    std::set<Digest> reachable;
    for (const auto& d : read_index().manifests) mark_reachable(*this, d, reachable);

    std::error_code ec;
    for (const auto& alg_dir : fs::directory_iterator(root_ / "blobs", ec)) {
      if (!alg_dir.is_directory()) continue;
      bool removed_any = false;
      for (const auto& blob : fs::directory_iterator(alg_dir.path(), ec)) {
        Digest digest;
        try {
          digest = Digest::parse(alg_dir.path().filename().string() + ":" +
                                 blob.path().filename().string());
        } catch (const Error&) {
          continue;  // not a blob name: leave foreign files alone
        }
        if (reachable.count(digest) != 0) continue;
        if (::unlink(blob.path().c_str()) != 0 && errno != ENOENT) {
          throw_errno("remove " + blob.path().string());
        }
        removed_any = true;
      }
      if (removed_any) fsync_dir(alg_dir.path());
    }

    auto now = fs::file_time_type::clock::now();
    for (const auto& tmp : fs::directory_iterator(root_ / "ingest", ec)) {
      std::error_code tec;
      auto mtime = fs::last_write_time(tmp.path(), tec);
      if (!tec && now - mtime > kStaleIngestAge) ::unlink(tmp.path().c_str());
    }
  } catch (...) {
    release();
    throw;
  }
  release();
}

}  // namespace ig::oci
