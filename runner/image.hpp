// Stage 1 of a run: a reference in the local store -> the host-architecture manifest, its
// metadata (gadget.yaml) and its eBPF object. Also used by `ig image inspect`.
#pragma once

#include <functional>
#include <string>

#include "oci/descriptor.hpp"
#include "oci/layout_store.hpp"
#include "oci/reference.hpp"

namespace ig::runner {

struct GadgetImage {
  oci::Reference reference;
  oci::Descriptor index;       // what the tag resolves to
  oci::Descriptor manifest_descriptor;
  oci::Manifest manifest;      // the host-architecture manifest
  std::string manifest_json;   // its exact bytes
  std::string metadata_yaml;   // config blob; empty for the OCI empty config
  std::string ebpf_object;     // ELF bytes of the ebpf layer; empty if the image has none
  bool has_wasm = false;       // a wasm layer, which ig does not run
};

// Throws Error(NotFound) naming the image and the store when the reference is not stored,
// Error(Unsupported) when the tag is not an index or has no manifest for the host architecture.
// `warn` (optional) receives one line per skipped layer.
GadgetImage open_image(oci::LayoutStore& store, const oci::Reference& reference,
                       const std::function<void(const std::string&)>& warn = {});

// The manifest of `index` whose platform.architecture is `architecture` (the OS is not checked,
// as upstream). Throws Error(Unsupported) naming `reference` and the available architectures.
const oci::Descriptor& select_manifest(const oci::Index& index, const std::string& architecture,
                                       const std::string& reference);

// "amd64" or "arm64": the Go name of the host architecture, as in index platforms.
std::string host_architecture();

}  // namespace ig::runner
