// The local store: an OCI image-layout directory (oci-layout, index.json, blobs/sha256/).
// Blobs are ingested into a temp file, verified, fsynced and renamed; index.json is replaced
// atomically while holding an flock on index.json.lock, so crashes and concurrent ig
// processes never leave a broken or half-updated store.
#pragma once

#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "oci/target.hpp"

namespace ig::oci {

struct TaggedDescriptor {
  std::string reference;  // value of org.opencontainers.image.ref.name
  Descriptor descriptor;
};

// The org.opencontainers.image.ref.name of an index.json entry, or null.
const std::string* ref_name(const Descriptor& entry);

// Points `reference` at `desc` inside an index.json being edited: the first entry with that name
// is replaced, later duplicates removed, or a new entry appended.
void set_ref_name(Index& index, const Descriptor& desc, const std::string& reference);

class LayoutStore : public Target {
 public:
  // Opens (creating it if needed, mode 0700) the layout at `root`.
  explicit LayoutStore(std::filesystem::path root);
  ~LayoutStore() override;
  LayoutStore(const LayoutStore&) = delete;
  LayoutStore& operator=(const LayoutStore&) = delete;

  // Default location: $IG_OCI_STORE, else /var/lib/ig/oci-store.
  static std::filesystem::path default_path();

  std::unique_ptr<Reader> fetch(const Descriptor& desc) override;
  bool exists(const Descriptor& desc) override;
  void push(const Descriptor& expected, Reader& content) override;
  Descriptor resolve(const std::string& reference) override;
  void tag(const Descriptor& desc, const std::string& reference) override;

  // All entries of index.json that carry a reference name.
  std::vector<TaggedDescriptor> list();
  // Removes the tag; deletes unreferenced blobs afterwards (garbage collection).
  // Throws Error(NotFound) if the tag does not exist.
  void untag(const std::string& reference);
  // Runs `edit` on index.json under the lock and saves the result atomically; used by
  // operations that must change several entries as one (import).
  void update_index(const std::function<void(Index&)>& edit);
  // Deletes blobs not reachable from index.json, and ingest files older than an hour. Skipped
  // silently while another LayoutStore (any process) has pushed or tagged through this store,
  // since it may hold blobs it has not tagged yet. Must not run while a copy into this same
  // object is in flight.
  void collect_garbage();

  const std::filesystem::path& root() const { return root_; }

 private:
  // Takes (once) the shared lock on gc.lock that keeps other processes from collecting blobs
  // this object pushed but has not tagged yet; held until destruction.
  void hold_gc_shared_lock();
  Index read_index() const;
  std::filesystem::path blob_path(const Digest& digest) const;

  std::filesystem::path root_;
  std::mutex gc_lock_mutex_;
  int gc_lock_fd_ = -1;
};

}  // namespace ig::oci
