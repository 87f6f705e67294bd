// What `ig image list` and `ig image inspect` show about images in the local store.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "oci/layout_store.hpp"

namespace ig::cli {

struct ImageSummary {
  std::string repository;  // without the default ghcr.io/inspektor-gadget/gadget/ prefix
  std::string tag;
  std::string digest;
  std::string created;
};

// Tagged images, sorted by repository and tag. Signature tags (sha256-<hex>.sig) are not images.
std::vector<ImageSummary> list_images(oci::LayoutStore& store);

// Upstream's inspect map: key -> {"contentType", "content"}, keys sorted as Go prints maps:
// oci.* (manifest, metadata, repository, tag, config digest, created) and, for the host
// architecture's eBPF object, ebpf.* (sections, maps, programs, variables, flowchart, sequence).
nlohmann::json inspect_image(oci::LayoutStore& store, const std::string& image);

// `--extra-info KEY`: JSON content (and YAML, converted) in the output mode, text as it is.
std::string render_extra_info(const nlohmann::json& entry, const std::string& output);

// Left-aligned columns separated by two spaces, like upstream's image table.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

std::string to_yaml(const nlohmann::ordered_json& value);

}  // namespace ig::cli
