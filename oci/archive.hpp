// OCI image-layout tar archives (`ig image export` / `ig image import`, skopeo's oci-archive:).
// Import reads the tar once with libarchive: blob entries stream straight into the destination
// store, each verified against the digest its name carries. The store is content-addressed and
// untagged blobs are invisible, so it is the staging area; the new tags are committed in one
// index.json update only after every image graph has been checked.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/layout_store.hpp"
#include "oci/reference.hpp"
#include "oci/target.hpp"

namespace ig::oci {

// Caps that make a tar bomb fail early instead of filling the disk.
struct ArchiveLimits {
  uint64_t max_total_bytes = uint64_t{4} << 30;  // sum of all entry sizes
  size_t max_entries = 100000;
  size_t max_metadata_bytes = 16 * 1024 * 1024;  // index.json, oci-layout
};

// An OCI image-layout tar read from start to end once. Entries are checked as they come: an
// absolute name, a ".." component, a link, a device, fifo or socket, a second entry of the same
// name, a blob whose content does not hash to its name, or a cap exceeded is refused with an
// Error naming the entry. Files the layout does not define (docker save's manifest.json) are
// skipped. As a ReadOnlyTarget it serves the archive's blobs from `blobs` and resolves the
// ref names of its index.json.
class LayoutArchive : public ReadOnlyTarget {
 public:
  // `source` names the archive in messages. `blobs` receives every blob entry.
  LayoutArchive(std::string source, Target& blobs, ArchiveLimits limits = {});

  // Reads the archive; call exactly one of them once. Throws Error(InvalidArgument) for a
  // malformed or malicious archive, with "<source>: <entry>: <problem>".
  void read_file(const std::filesystem::path& path);
  void read_memory(std::string_view bytes);

  // index.json of the archive.
  const Index& index() const { return index_; }
  // Blob digests that were absent from `blobs` before this archive brought them.
  const std::vector<Descriptor>& new_blobs() const { return new_blobs_; }

  // Blobs of the archive only; a descriptor whose size disagrees with the archive entry is
  // refused (SizeMismatch) naming the entry.
  std::unique_ptr<Reader> fetch(const Descriptor& desc) override;
  bool exists(const Descriptor& desc) override;
  // An index.json entry by ref name, or by digest ("sha256:..." or "name@sha256:...").
  Descriptor resolve(const std::string& reference) override;

 private:
  struct ArchiveHandle;
  void read(ArchiveHandle& handle);
  void read_entries(ArchiveHandle& handle);
  std::string context(const std::string& entry) const;

  std::string source_;
  Target& blobs_;
  ArchiveLimits limits_;
  bool read_ = false;
  Index index_;
  std::map<Digest, int64_t> sizes_;  // blob entries: digest -> size
  std::vector<Descriptor> new_blobs_;
};

struct ImportOptions {
  // Repository for images that the archive names by a tag only (skopeo's oci-archive:FILE:TAG)
  // or not at all; such images are refused without it.
  std::optional<Reference> name;
  ArchiveLimits limits;
};

// Imports every image of the archive at `path` into `store`, all or nothing: entries with a
// ref name are tagged (full references as they are; "repo:tag" normalised with the short-name
// rules; a bare tag under options.name; cosign's "sha256-<hex>[.sig]" tags kept bare as
// upstream stores them), untagged entries (referrers, per-arch manifests) are listed untagged.
// Every blob an entry reaches must be in the archive or already in the store, except the subject
// of a referrer (dangling signatures import). On any error the store's index.json is untouched
// and the blobs brought in are collected.
// Returns the tags added, in index.json order.
std::vector<std::string> import_archive(const std::filesystem::path& path, LayoutStore& store,
                                        const ImportOptions& options = {});

// Copies the signature artefacts of the image `digest` from the store into the export layout.
using SignatureCopier = std::function<void(ReadOnlyTarget& src, Target& dst, const Digest& digest)>;

// The copier used when none is given: the bare tags "sha256-<hex>.sig" and "sha256-<hex>"
// (cosign legacy signature, referrers tag index) with their graphs, when the store has them.
void copy_signature_tags(ReadOnlyTarget& src, Target& dst, const Digest& digest);

// Writes an OCI image-layout tar of `references` (full references present in `store`, every
// platform) and their signature artefacts to `file`. The images are copied into a temporary
// layout, whose index.json is sorted by digest; the tar holds only regular files with relative
// names and every timestamp set to the index's org.opencontainers.image.created annotation
// (the epoch when absent), so the same images always give the same bytes. It is written to a
// temporary file next to `file` and renamed, so `file` is never half written.
void export_images(LayoutStore& store, const std::vector<std::string>& references,
                   const std::filesystem::path& file, const SignatureCopier& copy_signatures = {});

// Tars the layout directory `layout` (oci-layout, index.json, blobs/<alg>/<hex>; nothing else)
// as export_images does. Exposed for tests and tools that already have a layout directory.
void write_layout_tar(const std::filesystem::path& layout, const std::filesystem::path& file);

}  // namespace ig::oci
