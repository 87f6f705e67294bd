#include "oci/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <set>

#include <nlohmann/json.hpp>

#include "oci/copy.hpp"
#include "oci/media_types.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;

namespace ig::oci {

namespace {

constexpr std::string_view kLayoutFile = "oci-layout";
constexpr std::string_view kIndexFile = "index.json";
constexpr std::string_view kBlobsDir = "blobs";
constexpr std::string_view kOctetStream = "application/octet-stream";

[[noreturn]] void throw_errno(const std::string& what) {
  throw Error(ErrorCode::Io, what + ": " + std::strerror(errno));
}

// Entry name without "./" prefixes and the trailing "/" of directories; refuses names that
// could point outside the layout. Returns the problem, or an empty string.
std::string normalise_name(std::string& name) {
  if (name.empty()) return "empty entry name";
  if (name.front() == '/') return "absolute path";
  while (name.rfind("./", 0) == 0) name.erase(0, 2);
  while (!name.empty() && name.back() == '/') name.pop_back();
  if (name.empty() || name == ".") {
    name = ".";
    return "";
  }
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    std::string_view component(name.data() + start, end - start);
    if (component == "..") return "path contains \"..\"";
    if (component.empty() || component == ".") return "non-canonical path";
    start = end + 1;
  }
  return "";
}

const char* entry_kind(mode_t type) {
  switch (type) {
    case AE_IFLNK: return "symbolic link";
    case AE_IFCHR: return "character device";
    case AE_IFBLK: return "block device";
    case AE_IFIFO: return "fifo";
    case AE_IFSOCK: return "socket";
    default: return "unsupported entry type";
  }
}

// The data of the current libarchive entry as a Reader.
class EntryReader : public Reader {
 public:
  EntryReader(struct archive* a, std::string context) : archive_(a), context_(std::move(context)) {}
  size_t read(std::span<std::byte> buffer) override {
    la_ssize_t n = archive_read_data(archive_, buffer.data(), buffer.size());
    if (n < 0) {
      throw Error(ErrorCode::InvalidArgument, context_ + ": " + archive_error_string(archive_));
    }
    return static_cast<size_t>(n);
  }

 private:
  struct archive* archive_;
  std::string context_;
};

void drain(Reader& reader) {
  std::byte buffer[64 * 1024];
  while (reader.read(buffer) != 0) {
  }
}

std::string read_capped(Reader& reader, size_t cap, const std::string& context) {
  std::string out;
  std::byte buffer[64 * 1024];
  while (size_t n = reader.read(buffer)) {
    if (out.size() + n > cap) {
      throw Error(ErrorCode::InvalidArgument,
                  context + ": larger than " + std::to_string(cap) + " bytes");
    }
    out.append(reinterpret_cast<const char*>(buffer), n);
  }
  return out;
}

std::string entry_name(const Digest& digest) {
  return std::string(kBlobsDir) + "/" + digest.algorithm() + "/" + digest.encoded();
}

}  // namespace

struct LayoutArchive::ArchiveHandle {
  struct archive* a = archive_read_new();
  ~ArchiveHandle() { archive_read_free(a); }
};

LayoutArchive::LayoutArchive(std::string source, Target& blobs, ArchiveLimits limits)
    : source_(std::move(source)), blobs_(blobs), limits_(limits) {}

std::string LayoutArchive::context(const std::string& entry) const {
  return source_ + ": " + entry;
}

void LayoutArchive::read_file(const fs::path& path) {
  ArchiveHandle handle;
  archive_read_support_format_tar(handle.a);
  archive_read_support_filter_all(handle.a);
  if (archive_read_open_filename(handle.a, path.c_str(), 64 * 1024) != ARCHIVE_OK) {
    int err = archive_errno(handle.a);
    throw Error(err == ENOENT ? ErrorCode::NotFound : err > 0 ? ErrorCode::Io : ErrorCode::InvalidArgument,
                source_ + ": " + (err > 0 ? std::strerror(err) : archive_error_string(handle.a)));
  }
  read(handle);
}

void LayoutArchive::read_memory(std::string_view bytes) {
  ArchiveHandle handle;
  archive_read_support_format_tar(handle.a);
  archive_read_support_filter_all(handle.a);
  if (archive_read_open_memory(handle.a, bytes.data(), bytes.size()) != ARCHIVE_OK) {
    throw Error(ErrorCode::InvalidArgument, source_ + ": " + archive_error_string(handle.a));
  }
  read(handle);
}

void LayoutArchive::read(ArchiveHandle& handle) {
  if (read_) throw Error(ErrorCode::Internal, source_ + ": archive read twice");
  read_ = true;
  read_entries(handle);
}

void LayoutArchive::read_entries(ArchiveHandle& handle) {
  struct archive* a = handle.a;
  std::set<std::string> seen;
  std::optional<std::string> layout_text;
  std::optional<std::string> index_text;
  uint64_t total = 0;
  size_t count = 0;

  auto refuse = [&](const std::string& entry, const std::string& problem) -> Error {
    return Error(ErrorCode::InvalidArgument, context(entry) + ": " + problem);
  };

  while (true) {
    struct archive_entry* entry = nullptr;
    int rc = archive_read_next_header(a, &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      throw Error(ErrorCode::InvalidArgument, source_ + ": " + archive_error_string(a));
    }
    const char* raw_name = archive_entry_pathname(entry);
    std::string name = raw_name != nullptr ? raw_name : "";
    const std::string shown = name.empty() ? "(unnamed entry)" : name;
    if (++count > limits_.max_entries) {
      throw refuse(shown, "more than " + std::to_string(limits_.max_entries) +
                              " entries; refusing the archive");
    }
    if (std::string problem = normalise_name(name); !problem.empty()) throw refuse(shown, problem);

    mode_t type = archive_entry_filetype(entry);
    if (archive_entry_hardlink(entry) != nullptr) {
      throw refuse(shown, std::string("hard link to ") + archive_entry_hardlink(entry));
    }
    if (type == AE_IFDIR) continue;
    if (type != AE_IFREG) throw refuse(shown, entry_kind(type));
    if (!seen.insert(name).second) throw refuse(shown, "duplicate entry");
    if (!archive_entry_size_is_set(entry) || archive_entry_size(entry) < 0) {
      throw refuse(shown, "entry has no size");
    }
    auto size = static_cast<uint64_t>(archive_entry_size(entry));
    total += size;
    if (total > limits_.max_total_bytes) {
      throw refuse(shown, "archive content exceeds " + std::to_string(limits_.max_total_bytes) +
                              " bytes; refusing the archive");
    }

    EntryReader data(a, context(shown));
    if (name == kLayoutFile || name == kIndexFile) {
      if (size > limits_.max_metadata_bytes) {
        throw refuse(shown, "larger than " + std::to_string(limits_.max_metadata_bytes) + " bytes");
      }
      std::string text = read_capped(data, limits_.max_metadata_bytes, context(shown));
      if (text.size() != size) throw refuse(shown, "entry is shorter than its header says");
      (name == kLayoutFile ? layout_text : index_text) = std::move(text);
      continue;
    }
    if (name.rfind(std::string(kBlobsDir) + "/", 0) != 0) continue;  // not part of the layout

    std::string rest = name.substr(kBlobsDir.size() + 1);
    auto slash = rest.find('/');
    if (slash == std::string::npos) throw refuse(shown, "not a blob path (blobs/<alg>/<digest>)");
    Descriptor desc;
    try {
      desc.digest = Digest::parse(rest.substr(0, slash) + ":" + rest.substr(slash + 1));
    } catch (const Error& e) {
      throw refuse(shown, std::string("not a blob path: ") + e.what());
    }
    desc.media_type = kOctetStream;
    desc.size = static_cast<int64_t>(size);
    try {
      // Verified here, whether or not the store already has the blob.
      auto verified = make_verifying_reader(std::make_unique<EntryReader>(a, context(shown)), desc);
      bool had = blobs_.exists(desc);
      blobs_.push(desc, *verified);
      drain(*verified);
      if (!had) new_blobs_.push_back(desc);
    } catch (const Error& e) {
      if (std::string_view(e.what()).rfind(source_ + ": ", 0) == 0) throw;
      throw Error(e.code() == ErrorCode::Io ? ErrorCode::Io : ErrorCode::InvalidArgument,
                  context(shown) + ": " + e.what());
    }
    sizes_[desc.digest] = desc.size;
  }

  if (!layout_text) throw refuse(std::string(kLayoutFile), "missing; not an OCI image layout");
  try {
    auto doc = nlohmann::json::parse(*layout_text);
    if (!doc.is_object() || !doc.contains("imageLayoutVersion") ||
        !doc["imageLayoutVersion"].is_string()) {
      throw refuse(std::string(kLayoutFile), "no imageLayoutVersion");
    }
    auto version = doc["imageLayoutVersion"].get<std::string>();
    if (version != "1.0.0") {
      throw Error(ErrorCode::Unsupported,
                  context(std::string(kLayoutFile)) + ": unsupported imageLayoutVersion " + version);
    }
  } catch (const nlohmann::json::exception& e) {
    throw refuse(std::string(kLayoutFile), std::string("invalid JSON: ") + e.what());
  }
  if (!index_text) throw refuse(std::string(kIndexFile), "missing; not an OCI image layout");
  try {
    index_ = parse_index(*index_text);
  } catch (const Error& e) {
    throw refuse(std::string(kIndexFile), e.what());
  }
}

std::unique_ptr<Reader> LayoutArchive::fetch(const Descriptor& desc) {
  auto it = sizes_.find(desc.digest);
  if (it == sizes_.end()) {
    throw Error(ErrorCode::NotFound, context(entry_name(desc.digest)) + ": not in the archive");
  }
  if (it->second != desc.size) {
    throw Error(ErrorCode::SizeMismatch,
                context(entry_name(desc.digest)) + ": entry is " + std::to_string(it->second) +
                    " bytes, its descriptor (" + desc.media_type + ") says " +
                    std::to_string(desc.size));
  }
  return blobs_.fetch(desc);
}

bool LayoutArchive::exists(const Descriptor& desc) {
  auto it = sizes_.find(desc.digest);
  return it != sizes_.end() && it->second == desc.size;
}

Descriptor LayoutArchive::resolve(const std::string& reference) {
  std::string_view digest_text;
  if (auto at = reference.find('@'); at != std::string::npos) {
    digest_text = std::string_view(reference).substr(at + 1);
  } else if (reference.rfind("sha256:", 0) == 0) {
    digest_text = reference;
  }
  std::optional<Digest> digest;
  if (!digest_text.empty()) digest = Digest::parse(digest_text);
  for (const auto& d : index_.manifests) {
    const std::string* name = ref_name(d);
    if ((digest && d.digest == *digest) || (!digest && name != nullptr && *name == reference)) {
      Descriptor out = d;
      out.annotations.erase(std::string(annotation::kRefName));
      return out;
    }
  }
  throw Error(ErrorCode::NotFound, context(std::string(kIndexFile)) + ": no image " + reference);
}

// ---------------------------------------------------------------------------------------------
// Import

namespace {

bool is_signature_tag(std::string_view name) {
  // cosign and the referrers tag schema: "<alg>-<hex>" with an optional ".sig"/".att"/".sbom".
  auto dash = name.find('-');
  if (dash == std::string_view::npos || dash == 0) return false;
  std::string_view alg = name.substr(0, dash);
  std::string_view rest = name.substr(dash + 1);
  if (auto dot = rest.find('.'); dot != std::string_view::npos) {
    std::string_view suffix = rest.substr(dot);
    if (suffix != ".sig" && suffix != ".att" && suffix != ".sbom") return false;
    rest = rest.substr(0, dot);
  }
  if (alg != "sha256" || rest.size() != 64) return false;
  return rest.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

struct Planned {
  std::string tag;  // empty: untagged entry
  Descriptor desc;  // without ref name
};

// Checks that the whole graph under `node` is in the archive (or already in the store) and
// that every descriptor agrees with the content it names.
class GraphChecker {
 public:
  GraphChecker(LayoutArchive& archive, LayoutStore& store, std::string source)
      : archive_(archive), store_(store), source_(std::move(source)) {}

  void check(const Descriptor& node, const std::string& image) {
    if (verified_.count(node.digest) != 0) return;
    check_node(node, image);
    verified_.insert(node.digest);  // only once its whole graph passed
  }

  // Everything reachable from the entries checked so far.
  const std::set<Digest>& verified() const { return verified_; }

 private:
  void check_node(const Descriptor& node, const std::string& image) {
    bool structured = is_manifest_type(node.media_type) || is_index_type(node.media_type);
    if (!archive_.exists(node)) {
      if (store_.exists(node)) return;  // content the store already had
      try {
        archive_.fetch(node);  // throws SizeMismatch naming the entry when only the size differs
      } catch (const Error& e) {
        if (e.code() != ErrorCode::NotFound) throw;
      }
      throw Error(ErrorCode::NotFound, source_ + ": " + image + ": blob " + node.digest.str() +
                                           " (" + node.media_type + ") is missing from the archive");
    }
    if (!structured) return;
    std::string content = read_all(archive_, node);
    std::vector<Descriptor> children;
    std::optional<Descriptor> subject;
    try {
      children = successors(node, content);
      subject = is_index_type(node.media_type) ? parse_index(content).subject
                                               : parse_manifest(content).subject;
    } catch (const Error& e) {
      throw Error(ErrorCode::InvalidArgument,
                  source_ + ": " + entry_name(node.digest) + ": " + e.what());
    }
    for (const auto& child : children) {
      // A referrer's subject is a back-reference, not content of the referrer: signatures of
      // images that are not in the archive (oras stores keep such dangling referrers) import.
      if (subject && child.digest == subject->digest && !archive_.exists(child) &&
          !store_.exists(child)) {
        continue;
      }
      check(child, image);
    }
  }

  LayoutArchive& archive_;
  LayoutStore& store_;
  std::string source_;
  std::set<Digest> verified_;
};

// The tag an index.json entry is imported as; empty for an untagged entry.
std::string import_name(const std::string* name, const ImportOptions& options,
                        const std::string& source) {
  if (name == nullptr) return "";
  if (is_signature_tag(*name)) return *name;
  bool tag_only = name->find_first_of("/:@") == std::string::npos;
  if (tag_only) {
    if (!options.name) {
      throw Error(ErrorCode::InvalidArgument,
                  source + ": index.json: image \"" + *name +
                      "\" is named by a tag only (as skopeo's oci-archive writes); give --name "
                      "REPOSITORY to import it");
    }
    try {
      return parse_reference(options.name->name() + ":" + *name).str();
    } catch (const Error& e) {
      throw Error(ErrorCode::InvalidArgument, source + ": index.json: " + e.what());
    }
  }
  try {
    return parse_reference(*name).str();
  } catch (const Error& e) {
    throw Error(ErrorCode::InvalidArgument, source + ": index.json: " + e.what());
  }
}

std::vector<Planned> plan_import(LayoutArchive& archive, LayoutStore& store,
                                 const ImportOptions& options, const std::string& source,
                                 std::set<Digest>& reachable) {
  std::vector<Planned> plan;
  std::map<std::string, Digest> tagged;
  GraphChecker checker(archive, store, source);
  bool any_image_name = false;
  for (const auto& entry : archive.index().manifests) {
    Planned p{import_name(ref_name(entry), options, source), entry};
    p.desc.annotations.erase(std::string(annotation::kRefName));
    if (!p.tag.empty()) {
      auto [it, inserted] = tagged.emplace(p.tag, p.desc.digest);
      if (!inserted && it->second != p.desc.digest) {
        throw Error(ErrorCode::InvalidArgument,
                    source + ": index.json: " + p.tag + " names two different images");
      }
      if (!inserted) continue;
      if (!is_signature_tag(p.tag)) any_image_name = true;
    }
    if (p.tag.empty()) {
      // Untagged entries only list content (oras records every manifest it stores); one whose
      // content is absent is not imported, as the layout spec allows absent blobs.
      try {
        checker.check(p.desc, p.desc.digest.str());
      } catch (const Error& e) {
        if (e.code() != ErrorCode::NotFound) throw;
        continue;
      }
    } else {
      checker.check(p.desc, p.tag);
    }
    plan.push_back(std::move(p));
  }

  if (!any_image_name) {
    // skopeo's oci-archive:FILE without a name: the one image that is not part of another
    // entry and is not a referrer gets --name.
    std::set<Digest> children;
    std::vector<Planned*> roots;
    for (auto& p : plan) {
      if (!is_manifest_type(p.desc.media_type) && !is_index_type(p.desc.media_type)) continue;
      std::string content = read_all(archive, p.desc);
      for (const auto& c : successors(p.desc, content)) children.insert(c.digest);
      bool referrer = false;
      if (is_manifest_type(p.desc.media_type)) {
        referrer = parse_manifest(content).subject.has_value();
      } else {
        referrer = parse_index(content).subject.has_value();
      }
      if (p.tag.empty() && !referrer) roots.push_back(&p);
    }
    std::erase_if(roots, [&](Planned* p) { return children.count(p->desc.digest) != 0; });
    if (roots.empty()) throw Error(ErrorCode::NotFound, source + ": index.json lists no image");
    if (!options.name) {
      throw Error(ErrorCode::InvalidArgument,
                  source + ": index.json: no image has a name (ref.name); give --name "
                           "REPOSITORY[:TAG] to import it");
    }
    if (roots.size() > 1) {
      throw Error(ErrorCode::InvalidArgument,
                  source + ": index.json: " + std::to_string(roots.size()) +
                      " unnamed images; --name can name only one");
    }
    roots.front()->tag = options.name->str();
  }
  reachable = checker.verified();
  return plan;
}

// Garbage collection after an import is housekeeping: its failure must not turn the import's
// outcome (success, or its own error) into another error; leftovers go at the next collection.
void collect_garbage_quietly(LayoutStore& store) {
  try {
    store.collect_garbage();
  } catch (const Error&) {
  }
}

}  // namespace

std::vector<std::string> import_archive(const fs::path& path, LayoutStore& store,
                                        const ImportOptions& options) {
  const std::string source = path.string();
  LayoutArchive archive(source, store, options.limits);
  std::vector<std::string> added;
  try {
    archive.read_file(path);
    std::set<Digest> reachable;
    std::vector<Planned> plan = plan_import(archive, store, options, source, reachable);
    store.update_index([&](Index& index) {
      added.clear();  // update_index may run the edit only once, but keep it idempotent
      for (const auto& p : plan) {
        if (p.tag.empty()) {
          bool listed = std::any_of(index.manifests.begin(), index.manifests.end(),
                                    [&](const Descriptor& d) { return d.digest == p.desc.digest; });
          if (!listed) index.manifests.push_back(p.desc);
          continue;
        }
        set_ref_name(index, p.desc, p.tag);
        added.push_back(p.tag);
      }
    });
    // Blobs of the archive that no imported entry reaches are not kept.
    bool stray = std::any_of(archive.new_blobs().begin(), archive.new_blobs().end(),
                             [&](const Descriptor& d) { return reachable.count(d.digest) == 0; });
    if (stray) collect_garbage_quietly(store);
  } catch (...) {
    if (!archive.new_blobs().empty()) collect_garbage_quietly(store);
    throw;
  }
  return added;
}

// ---------------------------------------------------------------------------------------------
// Export

namespace {

std::optional<Descriptor> resolve_if_present(ReadOnlyTarget& target, const std::string& ref) {
  try {
    return target.resolve(ref);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::NotFound) return std::nullopt;
    throw;
  }
}

// RFC 3339 ("2024-05-06T07:08:09Z", fractions and offsets allowed) to seconds since the epoch.
time_t parse_rfc3339(const std::string& text, const std::string& context) {
  struct tm tm {};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) {
    throw Error(ErrorCode::InvalidArgument, context + ": created time \"" + text + "\" is not RFC 3339");
  }
  if (*rest == '.') {
    ++rest;
    while (*rest >= '0' && *rest <= '9') ++rest;
  }
  long offset = 0;
  if (*rest == 'Z' || *rest == 'z') {
    ++rest;
  } else if (*rest == '+' || *rest == '-') {
    int hh = 0, mm = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &hh, &mm) != 2) {
      throw Error(ErrorCode::InvalidArgument, context + ": created time \"" + text + "\" is not RFC 3339");
    }
    offset = (hh * 3600L + mm * 60L) * (*rest == '-' ? -1 : 1);
    rest += 6;
  }
  if (*rest != '\0') {
    throw Error(ErrorCode::InvalidArgument, context + ": created time \"" + text + "\" is not RFC 3339");
  }
  return timegm(&tm) - offset;
}

class TempDirectory {
 public:
  TempDirectory() {
    std::string tmpl = (fs::temp_directory_path() / "ig-export-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw_errno("mkdtemp " + tmpl);
    path_ = tmpl;
  }
  ~TempDirectory() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct ArchiveWriter {
  struct archive* a = archive_write_new();
  ~ArchiveWriter() { archive_write_free(a); }
};

std::string read_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("open " + path.string());
  std::string out;
  char buffer[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      errno = saved;
      throw_errno("read " + path.string());
    }
    if (n == 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

void add_file(struct archive* a, const fs::path& source, const std::string& name, time_t mtime,
              const std::string& file) {
  struct stat st;
  if (::stat(source.c_str(), &st) != 0) throw_errno("stat " + source.string());
  struct archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, name.c_str());
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_perm(entry, 0644);
  archive_entry_set_size(entry, st.st_size);
  archive_entry_set_mtime(entry, mtime, 0);
  int rc = archive_write_header(a, entry);
  archive_entry_free(entry);
  if (rc != ARCHIVE_OK) {
    throw Error(ErrorCode::Io, file + ": writing " + name + ": " + archive_error_string(a));
  }
  int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("open " + source.string());
  char buffer[64 * 1024];
  int64_t written = 0;
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0) {
        int saved = errno;
        ::close(fd);
        errno = saved;
        throw_errno("read " + source.string());
      }
      break;
    }
    if (archive_write_data(a, buffer, static_cast<size_t>(n)) != n) {
      ::close(fd);
      throw Error(ErrorCode::Io, file + ": writing " + name + ": " + archive_error_string(a));
    }
    written += n;
  }
  ::close(fd);
  if (written != st.st_size) {
    throw Error(ErrorCode::Io, file + ": " + source.string() + " changed while being archived");
  }
}

}  // namespace

void copy_signature_tags(ReadOnlyTarget& src, Target& dst, const Digest& digest) {
  for (const std::string& tag : {digest.algorithm() + "-" + digest.encoded() + ".sig",
                                 digest.algorithm() + "-" + digest.encoded()}) {
    if (auto desc = resolve_if_present(src, tag)) {
      copy_graph(src, dst, *desc);
      dst.tag(*desc, tag);
    }
  }
}

void write_layout_tar(const fs::path& layout, const fs::path& file) {
  const std::string file_name = file.string();
  Index index = parse_index(read_file(layout / kIndexFile));
  time_t mtime = 0;
  if (auto it = index.annotations.find(std::string(annotation::kCreated));
      it != index.annotations.end() && !it->second.empty()) {
    mtime = std::max<time_t>(0, parse_rfc3339(it->second, (layout / kIndexFile).string()));
  }

  // Lexical order of the names, as a directory walk gives: blobs/..., index.json, oci-layout.
  std::vector<std::string> blobs;
  std::error_code ec;
  for (const auto& alg : fs::directory_iterator(layout / kBlobsDir, ec)) {
    if (!alg.is_directory()) continue;
    for (const auto& blob : fs::directory_iterator(alg.path())) {
      std::string alg_name = alg.path().filename().string();
      std::string hex = blob.path().filename().string();
      try {
        Digest::parse(alg_name + ":" + hex);
      } catch (const Error&) {
        continue;  // not a blob (a store's temporary file)
      }
      if (blob.is_regular_file()) blobs.push_back(std::string(kBlobsDir) + "/" + alg_name + "/" + hex);
    }
  }
  if (ec) throw Error(ErrorCode::Io, "reading " + (layout / kBlobsDir).string() + ": " + ec.message());
  std::sort(blobs.begin(), blobs.end());

  fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  std::string tmp = (dir / ("." + file.filename().string() + ".tmp-XXXXXX")).string();
  int fd = mkstemp(tmp.data());
  if (fd < 0) throw_errno("create " + tmp);
  try {
    {
      ArchiveWriter writer;
      archive_write_set_format_ustar(writer.a);
      archive_write_add_filter_none(writer.a);
      if (archive_write_open_fd(writer.a, fd) != ARCHIVE_OK) {
        throw Error(ErrorCode::Io, file_name + ": " + archive_error_string(writer.a));
      }
      for (const auto& name : blobs) add_file(writer.a, layout / name, name, mtime, file_name);
      add_file(writer.a, layout / kIndexFile, std::string(kIndexFile), mtime, file_name);
      add_file(writer.a, layout / kLayoutFile, std::string(kLayoutFile), mtime, file_name);
      if (archive_write_close(writer.a) != ARCHIVE_OK) {
        throw Error(ErrorCode::Io, file_name + ": " + archive_error_string(writer.a));
      }
    }
    if (::fchmod(fd, 0644) != 0) throw_errno("chmod " + tmp);
    if (::fsync(fd) != 0) throw_errno("fsync " + tmp);
    if (::close(fd) != 0) {
      fd = -1;
      throw_errno("close " + tmp);
    }
    fd = -1;
    if (::rename(tmp.c_str(), file.c_str()) != 0) throw_errno("rename " + tmp + " to " + file_name);
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
}

void export_images(LayoutStore& store, const std::vector<std::string>& references,
                   const fs::path& file, const SignatureCopier& copy_signatures) {
  if (references.empty()) throw Error(ErrorCode::InvalidArgument, "export: no image given");
  TempDirectory tmp;
  {
    LayoutStore layout(tmp.path() / "layout");
    for (const auto& ref : references) {
      store.resolve(ref);  // names a missing image plainly, before copy labels it
      Descriptor root = copy(store, ref, layout, ref);
      if (copy_signatures) {
        copy_signatures(store, layout, root.digest);
      } else {
        copy_signature_tags(store, layout, root.digest);
      }
    }
    layout.update_index([](Index& index) {
      std::stable_sort(index.manifests.begin(), index.manifests.end(),
                       [](const Descriptor& a, const Descriptor& b) {
                         if (a.digest != b.digest) return a.digest.str() < b.digest.str();
                         const std::string* na = ref_name(a);
                         const std::string* nb = ref_name(b);
                         return (na ? *na : std::string()) < (nb ? *nb : std::string());
                       });
    });
  }
  write_layout_tar(tmp.path() / "layout", file);
}

}  // namespace ig::oci
