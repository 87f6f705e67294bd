// A repository of a remote registry (OCI distribution API) as an oci::Target, so that push,
// pull and registry-to-registry copy are all oci::copy.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "oci/reference.hpp"
#include "oci/remote/client.hpp"
#include "oci/target.hpp"

namespace ig::oci::remote {

class Repository : public Target {
 public:
  Repository(const Reference& ref, const RegistryOptions& options);

  // Reads stream through a verifying reader; an interrupted blob download resumes with a
  // Range request. Manifests are fetched by digest with the full Accept list.
  std::unique_ptr<Reader> fetch(const Descriptor& desc) override;
  bool exists(const Descriptor& desc) override;
  // Blobs: cross-repository mount when mount_from() is set, else POST then PUT, or chunked
  // PATCHes above the chunk size. Manifests: PUT by digest with Content-Type = media type.
  void push(const Descriptor& expected, Reader& content) override;
  // `reference` is a full reference ("host/repo:tag", "host/repo@sha256:..."), a tag or a digest.
  Descriptor resolve(const std::string& reference) override;
  void tag(const Descriptor& desc, const std::string& reference) override;

  // All tags, following Link pagination.
  std::vector<std::string> tags();
  // Deletes a manifest (by digest) or a blob.
  void remove(const Descriptor& desc);
  // Manifests whose subject is `subject`: the referrers API, else the "sha256-<hex>" tag index.
  std::vector<Descriptor> referrers(const Descriptor& subject, const std::string& artifact_type = "");

  // Another repository of the same registry that may hold the blobs being pushed.
  void set_mount_from(std::string repository) { mount_from_ = std::move(repository); }
  // Blobs larger than this are uploaded in PATCH chunks of this size.
  void set_chunk_size(size_t bytes) { chunk_size_ = bytes; }

  const std::string& repository() const { return repository_; }
  const std::string& registry() const { return client_.registry(); }

 private:
  std::string url(const std::string& path) const;
  std::vector<std::string> pull_scope() const;
  std::vector<std::string> push_scope() const;
  std::string context(const std::string& what) const;
  // GETs a manifest by tag or digest (body capped at 4 MiB); empty optional on 404.
  std::optional<std::pair<Descriptor, std::string>> get_manifest(const std::string& tag_or_digest);
  std::string manifest_bytes(const Descriptor& desc);
  void put_manifest(const Descriptor& desc, const std::string& bytes, const std::string& tag_or_digest);
  void update_referrers_tag(const Descriptor& desc, const std::string& bytes);
  void upload_blob(const Descriptor& expected, Reader& content);

  RegistryClient client_;
  std::string repository_;
  std::string mount_from_;
  size_t chunk_size_;
  std::mutex mutex_;
  std::map<Digest, std::string> pushed_manifests_;  // bytes kept for tag()
};

// The Accept header sent for manifests: every manifest and index type we can parse.
const std::string& manifest_accept();

}  // namespace ig::oci::remote
