// The OCI content model: descriptors, image manifests and image indexes.
// Serialisation follows Go encoding/json as used by upstream ig (compact, fixed field order,
// sorted annotation keys, empty optionals omitted) so that our digests match theirs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/digest.hpp"

namespace ig::oci {

using Annotations = std::map<std::string, std::string>;

struct Platform {
  std::string architecture;
  std::string os;
  std::string variant;
  std::string os_version;                // "os.version"
  std::vector<std::string> os_features;  // "os.features"
  friend bool operator==(const Platform&, const Platform&) = default;
};

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::vector<std::string> urls;
  Annotations annotations;
  std::optional<std::string> data;  // base64, as in the JSON
  std::optional<Platform> platform;
  std::string artifact_type;
  friend bool operator==(const Descriptor&, const Descriptor&) = default;
};

struct Manifest {
  int schema_version = 2;
  std::string media_type;  // upstream ig leaves it empty (omitted) in gadget manifests
  std::string artifact_type;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::optional<Descriptor> subject;
  Annotations annotations;
};

struct Index {
  int schema_version = 2;
  std::string media_type;  // set to the OCI index type by writers; optional on read
  std::string artifact_type;
  std::vector<Descriptor> manifests;
  std::optional<Descriptor> subject;
  Annotations annotations;
};

// Byte-exact serialisation (Go field order, compact). Parsing tolerates unknown fields and
// throws Error(InvalidArgument) naming the problem on malformed input.
std::string serialize(const Descriptor& d);
std::string serialize(const Manifest& m);
std::string serialize(const Index& i);
Manifest parse_manifest(std::string_view json);
Index parse_index(std::string_view json);

// Descriptor of `content` with the given media type (digest and size computed).
Descriptor describe(std::string_view media_type, std::string_view content);

bool is_manifest_type(std::string_view media_type);  // OCI or Docker image manifest
bool is_index_type(std::string_view media_type);     // OCI index or Docker manifest list

// Children of a node in the content graph: config + layers (+subject) of a manifest, manifests
// (+subject) of an index, nothing for any other media type.
std::vector<Descriptor> successors(const Descriptor& node, std::string_view content);

}  // namespace ig::oci
