#include "trust/signatures.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "oci/copy.hpp"
#include "oci/layout_store.hpp"
#include "oci/media_types.hpp"
#include "oci/remote/repository.hpp"
#include "trust/formats.hpp"
#include "util/error.hpp"

namespace ig::trust {

namespace {

constexpr size_t kMaxReferrers = 42;

bool is_signature_type(const std::string& type) {
  return type == kCosignSignatureArtifactType || type == kBundleMediaType || type == kNotationArtifactType;
}

std::optional<oci::Descriptor> resolve_if_present(oci::ReadOnlyTarget& target, const std::string& tag) {
  try {
    return target.resolve(tag);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::NotFound) return std::nullopt;
    throw;
  }
}

// Descriptors that may be referrers of `image`: they are read and checked by the caller.
std::vector<oci::Descriptor> referrer_candidates(oci::ReadOnlyTarget& target, const oci::Digest& image) {
  std::vector<oci::Descriptor> out;
  oci::Descriptor subject;
  subject.digest = image;
  if (auto* repo = dynamic_cast<oci::remote::Repository*>(&target)) {
    return repo->referrers(subject);  // the API, else the tag schema
  }
  if (auto index_desc = resolve_if_present(target, referrers_tag(image));
      index_desc && oci::is_index_type(index_desc->media_type) && index_desc->digest != image) {
    for (auto& d : oci::parse_index(oci::read_all(target, *index_desc)).manifests) out.push_back(std::move(d));
  }
  if (auto* store = dynamic_cast<oci::LayoutStore*>(&target)) {
    // oras-go's store keeps referrers pulled by digest as untagged index.json entries.
    // Read-only look at index.json (LayoutStore::list() shows tagged entries only); the file
    // is replaced atomically, so a plain read sees a complete version.
    std::ifstream in(store->root() / "index.json", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in && !text.empty()) {
      for (const auto& d : oci::parse_index(text).manifests) {
        if (!d.annotations.contains(std::string(oci::annotation::kRefName)) && !d.platform &&
            oci::is_manifest_type(d.media_type)) {
          out.push_back(d);
        }
      }
    }
  }
  // Duplicates (listed both ways) are inspected once.
  std::vector<oci::Descriptor> unique;
  for (auto& d : out) {
    bool seen = std::any_of(unique.begin(), unique.end(), [&](const auto& u) { return u.digest == d.digest; });
    if (!seen) unique.push_back(std::move(d));
  }
  return unique;
}

}  // namespace

std::string legacy_signature_tag(const oci::Digest& image) {
  return image.algorithm() + "-" + image.encoded() + ".sig";
}

std::string referrers_tag(const oci::Digest& image) { return image.algorithm() + "-" + image.encoded(); }

std::vector<std::string> signature_tags(const oci::Digest& image) {
  return {legacy_signature_tag(image), referrers_tag(image)};
}

SignatureArtefacts find_signatures(oci::ReadOnlyTarget& target, const oci::Digest& image) {
  SignatureArtefacts found;
  if (auto legacy = resolve_if_present(target, legacy_signature_tag(image));
      legacy && oci::is_manifest_type(legacy->media_type)) {
    found.legacy = legacy;
  }
  size_t inspected = 0;
  for (const auto& candidate : referrer_candidates(target, image)) {
    if (!oci::is_manifest_type(candidate.media_type)) continue;
    if (++inspected > kMaxReferrers) break;
    Referrer r;
    r.descriptor = candidate;
    try {
      r.manifest = oci::parse_manifest(oci::read_all(target, candidate));
    } catch (const Error&) {
      continue;  // absent or unreadable: not a usable signature
    }
    if (!r.manifest.subject || r.manifest.subject->digest != image) continue;
    r.artifact_type = artifact_type_of(r.manifest);
    if (!is_signature_type(r.artifact_type)) continue;
    r.descriptor.artifact_type = r.artifact_type;
    found.referrers.push_back(std::move(r));
  }
  return found;
}

size_t copy_signatures(oci::ReadOnlyTarget& src, oci::Target& dst, const oci::Digest& image) {
  SignatureArtefacts found = find_signatures(src, image);
  size_t copied = 0;
  if (found.legacy) {
    oci::copy_graph(src, dst, *found.legacy);
    dst.tag(*found.legacy, legacy_signature_tag(image));
    ++copied;
  }
  if (found.referrers.empty()) return copied;
  for (const auto& r : found.referrers) {
    oci::copy_graph(src, dst, r.descriptor);
    ++copied;
  }
  if (dynamic_cast<oci::remote::Repository*>(&dst) != nullptr) return copied;

  // Elsewhere the referrers tag index is what keeps the referrers reachable and findable.
  oci::Index index;
  index.media_type = oci::media_type::kImageIndex;
  if (auto existing = resolve_if_present(dst, referrers_tag(image));
      existing && oci::is_index_type(existing->media_type) && existing->digest != image) {
    index = oci::parse_index(oci::read_all(dst, *existing));
  }
  bool changed = false;
  for (const auto& r : found.referrers) {
    bool listed = std::any_of(index.manifests.begin(), index.manifests.end(),
                              [&](const auto& d) { return d.digest == r.descriptor.digest; });
    if (listed) continue;
    oci::Descriptor entry;
    entry.media_type = r.descriptor.media_type;
    entry.digest = r.descriptor.digest;
    entry.size = r.descriptor.size;
    entry.artifact_type = r.artifact_type;
    entry.annotations = r.manifest.annotations;
    index.manifests.push_back(std::move(entry));
    changed = true;
  }
  if (changed) {
    std::string bytes = oci::serialize(index);
    oci::Descriptor desc = oci::describe(oci::media_type::kImageIndex, bytes);
    auto reader = oci::make_memory_reader(bytes);
    dst.push(desc, *reader);
    dst.tag(desc, referrers_tag(image));
  }
  return copied;
}

}  // namespace ig::trust
