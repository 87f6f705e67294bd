// Helpers of the trust tests: temp stores, tiny gadget-like images, files.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "oci/descriptor.hpp"
#include "oci/layout_store.hpp"
#include "oci/media_types.hpp"

namespace ig::trust::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ig-trust-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

inline oci::Descriptor push_bytes(oci::Target& t, std::string_view type, const std::string& bytes) {
  auto desc = oci::describe(type, bytes);
  auto reader = oci::make_memory_reader(bytes);
  t.push(desc, *reader);
  return desc;
}

// A one-platform gadget-like image index tagged `ref`; `seed` makes its digest unique.
inline oci::Descriptor make_image(oci::LayoutStore& store, const std::string& ref, const std::string& seed) {
  oci::Manifest m;
  m.media_type = oci::media_type::kImageManifest;
  m.artifact_type = std::string(oci::media_type::kGadgetArtifact);
  m.config = push_bytes(store, oci::media_type::kGadgetConfig, "name: " + seed + "\n");
  m.layers.push_back(push_bytes(store, oci::media_type::kGadgetEbpf, "program " + seed));
  auto md = push_bytes(store, oci::media_type::kImageManifest, oci::serialize(m));
  md.platform = oci::Platform{"amd64", "linux"};
  oci::Index index;
  index.media_type = oci::media_type::kImageIndex;
  index.manifests.push_back(md);
  auto root = push_bytes(store, oci::media_type::kImageIndex, oci::serialize(index));
  store.tag(root, ref);
  return root;
}

}  // namespace ig::trust::test
