// build.yaml (spec: ig-compat.md §2.1): which eBPF source and metadata file make the gadget.
#pragma once

#include <filesystem>
#include <optional>

namespace ig::builder {

struct BuildConfig {
  // Paths of the inputs that exist, relative to the source directory when given that way.
  std::optional<std::filesystem::path> ebpf_source;
  std::optional<std::filesystem::path> metadata;
  // Where gadget.yaml goes when --update-metadata creates it.
  std::filesystem::path metadata_target;
  // The wasm module build.yaml names (`wasm:`), as written there. We build no wasm: the
  // image holds the eBPF part only, and the build says so.
  std::string wasm;
};

// Reads `build_file` (empty: <source_dir>/build.yaml if present, else defaults). A missing
// non-default input is an error, as is a gadget with no input at all.
// Throws Error(InvalidArgument/NotFound) naming the file and the key.
BuildConfig load_build_config(const std::filesystem::path& source_dir,
                              const std::filesystem::path& build_file);

}  // namespace ig::builder
