// Helpers shared by the oci store and copy tests.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "oci/layout_store.hpp"
#include "oci/media_types.hpp"

namespace ig::oci::test {

// A fresh directory under $TMPDIR, removed at destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ig-oci-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    // Blobs are read-only files; their directories stay writable, so removal works.
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline Descriptor push_bytes(Target& t, std::string_view media_type, const std::string& bytes) {
  Descriptor d = describe(media_type, bytes);
  auto r = make_memory_reader(bytes);
  t.push(d, *r);
  return d;
}

struct TestImage {
  Descriptor index;
  Descriptor manifest_amd64;
  Descriptor manifest_arm64;
  Descriptor config;
  Descriptor layer_amd64;
  Descriptor layer_arm64;
};

// Pushes a two-arch gadget image (children first) without tagging it.
inline TestImage push_image(Target& t, const std::string& name) {
  TestImage img;
  img.config = push_bytes(t, media_type::kGadgetConfig, "name: " + name + "\n");
  img.layer_amd64 = push_bytes(t, media_type::kGadgetEbpf, "ELF amd64 " + name);
  img.layer_arm64 = push_bytes(t, media_type::kGadgetEbpf, "ELF arm64 " + name);
  Index index;
  index.media_type = media_type::kImageIndex;
  for (auto [arch, layer, out] : {std::tuple{"amd64", &img.layer_amd64, &img.manifest_amd64},
                                  std::tuple{"arm64", &img.layer_arm64, &img.manifest_arm64}}) {
    Manifest m;
    m.artifact_type = media_type::kGadgetArtifact;
    m.config = img.config;
    m.layers = {*layer};
    m.annotations = {{std::string(annotation::kTitle), name}};
    *out = push_bytes(t, media_type::kImageManifest, serialize(m));
    Descriptor entry = *out;
    entry.platform = Platform{arch, "linux"};
    index.manifests.push_back(entry);
  }
  img.index = push_bytes(t, media_type::kImageIndex, serialize(index));
  return img;
}

}  // namespace ig::oci::test
