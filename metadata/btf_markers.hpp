// The BTF conventions of include/gadget/*.h (spec: ig-compat.md §4): marker variables such as
// gadget_tracer_<name>___<map>___<struct> and gadget_param_<var>, discovered from an object's
// BTF by both the builder (validation) and the runner (wiring).
#pragma once

#include <string>
#include <vector>

struct btf;

namespace ig::metadata {

struct TracerMarker {
  std::string name;         // data source name
  std::string map_name;     // RINGBUF (or PERF_EVENT_ARRAY) map the events arrive on
  std::string struct_name;  // BTF struct decoding each event
};

struct ParamMarker {
  std::string variable;  // const volatile global exposed as a flag
};

struct MapIterMarker {
  std::string name;
  std::string map_name;
  std::string key_struct;    // BTF struct of the map's key; empty if not a struct
  std::string value_struct;  // and of its value
};

// GADGET_ITER: array data source filled by iter/ programs.
struct IterMarker {
  std::string name;
  std::string struct_name;
  std::vector<std::string> programs;  // 1 to 3 program names
};

struct GadgetMarkers {
  std::vector<TracerMarker> tracers;
  std::vector<ParamMarker> params;
  std::vector<MapIterMarker> map_iters;
  std::vector<IterMarker> iters;
  std::vector<std::string> tracer_maps;  // gadget_map_tracer_<map>: may become PERF_EVENT_ARRAY
};

// Scans all BTF VARs for the marker prefixes. Throws Error(InvalidArgument) naming a marker
// whose encoded parts are malformed.
GadgetMarkers discover_markers(const struct btf* btf);

// Name of the struct that member `member` ("key" or "value") of BTF-defined map `map_name`
// points to, or "" when the map is not found or that member is not a struct.
std::string map_member_struct(const struct btf* btf, const std::string& map_name,
                              const char* member);

}  // namespace ig::metadata
