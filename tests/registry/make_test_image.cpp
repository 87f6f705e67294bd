// Test helper for the registry tests: creates a gadget-like multi-platform image in a local
// store with the oci library, and prints what a test needs to compare.
//   make_test_image create STORE REF LAYER_BYTES SEED   -> prints the index digest
//   make_test_image single STORE REF LAYER_BYTES SEED   -> one manifest, one layer (benchmarks);
//                                                         prints the manifest and layer digests
//   make_test_image digest STORE REF                   -> prints the digest REF resolves to
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>

#include "oci/descriptor.hpp"
#include "oci/layout_store.hpp"
#include "oci/media_types.hpp"
#include "oci/reference.hpp"
#include "util/error.hpp"

namespace oci = ig::oci;

namespace {

oci::Descriptor store_bytes(oci::LayoutStore& store, std::string_view type, const std::string& bytes) {
  auto desc = oci::describe(type, bytes);
  auto reader = oci::make_memory_reader(bytes);
  store.push(desc, *reader);
  return desc;
}

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

oci::Descriptor create(oci::LayoutStore& store, const std::string& ref, size_t layer_bytes, uint32_t seed) {
  oci::Index index;
  index.media_type = oci::media_type::kImageIndex;
  index.artifact_type = std::string(oci::media_type::kGadgetArtifact);
  const char* arches[] = {"amd64", "arm64"};
  for (int i = 0; i < 2; ++i) {
    oci::Manifest m;
    m.media_type = oci::media_type::kImageManifest;
    m.artifact_type = std::string(oci::media_type::kGadgetArtifact);
    m.config = store_bytes(store, oci::media_type::kGadgetConfig,
                           "name: test\ndescription: registry test " + std::to_string(seed) + "\n");
    auto layer = store_bytes(store, oci::media_type::kGadgetEbpf, random_bytes(layer_bytes, seed * 2 + i));
    layer.annotations[std::string(oci::annotation::kTitle)] = "program.o";
    m.layers.push_back(layer);
    m.annotations[std::string(oci::annotation::kCreated)] = "2024-01-01T00:00:00Z";
    auto md = store_bytes(store, oci::media_type::kImageManifest, oci::serialize(m));
    md.platform = oci::Platform{arches[i], "linux"};
    index.manifests.push_back(md);
  }
  auto root = store_bytes(store, oci::media_type::kImageIndex, oci::serialize(index));
  store.tag(root, ref);
  return root;
}

// One manifest with one random layer: what bench/registry moves.
void create_single(oci::LayoutStore& store, const std::string& ref, size_t layer_bytes, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::string bytes(layer_bytes, '\0');
  for (size_t i = 0; i < layer_bytes; i += 8) {
    uint64_t v = rng();
    std::memcpy(bytes.data() + i, &v, std::min<size_t>(8, layer_bytes - i));
  }
  oci::Manifest m;
  m.media_type = oci::media_type::kImageManifest;
  m.artifact_type = std::string(oci::media_type::kGadgetArtifact);
  m.config = store_bytes(store, oci::media_type::kGadgetConfig, "name: bench\n");
  auto layer = store_bytes(store, oci::media_type::kGadgetEbpf, bytes);
  m.layers.push_back(layer);
  auto root = store_bytes(store, oci::media_type::kImageManifest, oci::serialize(m));
  store.tag(root, ref);
  std::cout << root.digest.str() << " " << layer.digest.str() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "create" && argc == 6) {
      oci::LayoutStore store(argv[2]);
      auto ref = oci::parse_reference(argv[3]).str();
      std::cout << create(store, ref, std::stoul(argv[4]), std::stoul(argv[5])).digest.str() << "\n";
    } else if (cmd == "single" && argc == 6) {
      oci::LayoutStore store(argv[2]);
      create_single(store, oci::parse_reference(argv[3]).str(), std::stoul(argv[4]), std::stoul(argv[5]));
    } else if (cmd == "digest" && argc == 4) {
      oci::LayoutStore store(argv[2]);
      std::cout << store.resolve(oci::parse_reference(argv[3]).str()).digest.str() << "\n";
    } else {
      std::cerr << "usage: make_test_image create|single STORE REF LAYER_BYTES SEED | digest STORE REF\n";
      return 2;
    }
  } catch (const std::exception& e) {
    std::cerr << "make_test_image: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
