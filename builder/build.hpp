// `ig image build`: compile program.bpf.c per architecture, check gadget.yaml against the
// object's BTF, and store an image index with per-arch manifests in the local store.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "oci/descriptor.hpp"
#include "oci/layout_store.hpp"

namespace ig::builder {

struct BuildOptions {
  std::filesystem::path source_dir;
  std::filesystem::path build_file;  // -f; empty means <source_dir>/build.yaml when present
  std::string tag;                   // -t as typed by the user; empty means untagged
  std::filesystem::path output_dir;  // -o; keep intermediate files there
  bool update_metadata = false;
  bool validate_metadata = true;
  std::vector<std::string> architectures = {"amd64", "arm64"};
  // Warnings (gadget.yaml problems, parts not built); empty prints them to stderr.
  std::function<void(const std::string&)> warn;
};

struct BuildResult {
  oci::Descriptor index;
  std::string reference;  // full normalised reference, empty when untagged
};

BuildResult build(const BuildOptions& options, oci::LayoutStore& store);

}  // namespace ig::builder
