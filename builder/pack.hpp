// Packing (spec: ig-compat.md §1.1-1.3, upstream pkg/oci/build.go): config blob = gadget.yaml
// bytes, one manifest per architecture, one index; all pushed into the store.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "oci/descriptor.hpp"
#include "oci/target.hpp"

namespace ig::builder {

struct PackInput {
  std::optional<std::string> metadata;         // gadget.yaml bytes; absent: empty config
  std::map<std::string, std::string> objects;  // arch -> eBPF object bytes (sorted by arch)
  std::string created;                         // org.opencontainers.image.created
  std::string builder_version;                 // io.inspektor-gadget.builder.version
};

struct PackResult {
  oci::Descriptor index;
  std::vector<oci::Descriptor> manifests;  // per arch, in index order (with platform)
};

// Annotations upstream derives from gadget.yaml (title, description, url, documentation,
// source, builder version, then the yaml's `annotations:` overriding them).
oci::Annotations annotations_from_metadata(const std::string& metadata_yaml,
                                           const std::string& builder_version);

// Builds config, manifests and index and pushes every blob into `target`. Nothing is tagged.
PackResult pack(const PackInput& input, oci::Target& target);

// RFC 3339 build time: SOURCE_DATE_EPOCH in UTC ("...Z") if set, else local time with offset.
std::string created_timestamp();

}  // namespace ig::builder
