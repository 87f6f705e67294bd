// gadget.yaml: the metadata shipped as the image config (spec: ig-compat.md §3).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ig::metadata {

using Annotations = std::map<std::string, std::string>;

struct FieldMetadata {
  Annotations annotations;
  std::vector<std::string> tags;
};

struct DataSourceMetadata {
  Annotations annotations;
  std::map<std::string, FieldMetadata> fields;  // keyed by full field name ("proc.comm")
};

struct ParamMetadata {
  std::string key;  // flag name; empty means the variable name
  std::string default_value;
  std::string description;
};

struct GadgetMetadata {
  std::string name;
  std::string description;
  std::string homepage_url;
  std::string documentation_url;
  std::string source_url;
  Annotations annotations;
  std::map<std::string, DataSourceMetadata> datasources;
  std::map<std::string, ParamMetadata> ebpf_params;  // params.ebpf.<var> (legacy ebpfParams too)
};

// Parses gadget.yaml text. Throws Error(InvalidArgument) "<source_name>: <problem>" on
// malformed YAML or wrongly typed keys; unknown keys are ignored as upstream does.
GadgetMetadata parse_metadata(std::string_view yaml_text, const std::string& source_name);

}  // namespace ig::metadata
