#include "runner/image.hpp"

#include <filesystem>

#include "oci/media_types.hpp"
#include "oci/target.hpp"
#include "util/error.hpp"

namespace ig::runner {
namespace {

// eBPF objects are a few MiB at most; the cap only guards against a corrupt descriptor.
constexpr size_t kMaxLayerBytes = 64 * 1024 * 1024;

}  // namespace

std::string host_architecture() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#else
#error "unsupported host architecture"
#endif
}

const oci::Descriptor& select_manifest(const oci::Index& index, const std::string& architecture,
                                       const std::string& reference) {
  std::string available;
  for (const auto& m : index.manifests) {
    if (m.platform && m.platform->architecture == architecture) return m;
    if (m.platform && !m.platform->architecture.empty()) {
      available += (available.empty() ? "" : ", ") + m.platform->architecture;
    }
  }
  throw Error(ErrorCode::Unsupported,
              "image \"" + reference + "\" has no manifest for architecture " + architecture +
                  " (available: " + (available.empty() ? "none" : available) + ")");
}

GadgetImage open_image(oci::LayoutStore& store, const oci::Reference& reference,
                       const std::function<void(const std::string&)>& warn) {
  GadgetImage image;
  image.reference = reference;
  const std::string name = reference.str();
  try {
    image.index = store.resolve(name);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::NotFound) throw;
    throw Error(ErrorCode::NotFound, "image \"" + name + "\" not found in the local store (" +
                                         store.root().string() + ")");
  }
  // Upstream only runs tags that resolve to an index, even for a single architecture.
  if (!oci::is_index_type(image.index.media_type)) {
    throw Error(ErrorCode::Unsupported, "image \"" + name + "\" is not an image index (" +
                                            image.index.media_type + ")");
  }
  oci::Index index = oci::parse_index(oci::read_all(store, image.index));
  image.manifest_descriptor = select_manifest(index, host_architecture(), name);
  image.manifest_json = oci::read_all(store, image.manifest_descriptor);
  image.manifest = oci::parse_manifest(image.manifest_json);

  if (image.manifest.config.media_type != oci::media_type::kEmpty) {
    image.metadata_yaml = oci::read_all(store, image.manifest.config, kMaxLayerBytes);
  }
  auto note = [&](const std::string& line) {
    if (warn) warn(line);
  };
  for (const auto& layer : image.manifest.layers) {
    if (layer.media_type == oci::media_type::kGadgetEbpf) {
      if (!image.ebpf_object.empty()) {
        throw Error(ErrorCode::Unsupported, "image \"" + name + "\" has more than one eBPF layer");
      }
      image.ebpf_object = oci::read_all(store, layer, kMaxLayerBytes);
    } else if (layer.media_type == oci::media_type::kGadgetBtfgen) {
      // btfgen BTF only matters on kernels without their own BTF.
      if (!std::filesystem::exists("/sys/kernel/btf/vmlinux")) {
        note("image \"" + name + "\": this kernel has no BTF and btfgen layers are not "
             "supported yet; CO-RE relocations will likely fail");
      }
    } else if (layer.media_type == oci::media_type::kGadgetWasm) {
      image.has_wasm = true;  // what it loses is said once the metadata meets the BTF
    } else {
      note("image \"" + name + "\": skipping layer " + layer.digest.str() +
           " of unknown media type " + layer.media_type);
    }
  }
  return image;
}

}  // namespace ig::runner
