// What a gadget.yaml declares that its eBPF object does not provide: data sources no tracer,
// iterator or map iterator defines, and fields neither in their structs nor added by an
// operator. Upstream ships such files (fields a wasm module computes, leftovers), so these
// are warnings at build time and, for images with a wasm module, the list of what is lost.
#pragma once

#include <map>
#include <string>
#include <vector>

struct btf;

namespace ig::metadata {

struct GadgetMetadata;
struct GadgetMarkers;

// The structs each data source of the object decodes, by data source name (a map iterator's
// key and value structs; none for a map iterator of scalars).
std::map<std::string, std::vector<std::string>> datasource_structs(const GadgetMarkers& markers);

struct UnprovidedEntry {
  std::string datasource;
  std::string field;      // empty: the whole data source is unprovided
  std::string looked_in;  // for a field: "struct <name>" or "its map"
};

// In the order of gadget.yaml's (sorted) data sources and fields.
std::vector<UnprovidedEntry> unprovided_entries(const GadgetMetadata& meta,
                                                const GadgetMarkers& markers,
                                                const struct btf* btf);

}  // namespace ig::metadata
