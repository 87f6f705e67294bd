// The settings gadget.yaml gives an operator of an operator-only image (`operator.process`,
// `operator.ebpf`, ...), after its `params.custom` flags patched them as upstream's templates
// say ({{call .getParamValue "custom.interval"}}).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace ig::runner::stats {

struct CustomParam {
  std::string key;  // flag name
  std::string description;
  std::string default_value;
};

// params.custom of gadget.yaml, in file order.
std::vector<CustomParam> custom_params(const std::string& metadata_yaml);

// The custom params' values ("custom.KEY" -> text), taken out of `args` (--KEY VALUE), else
// their defaults.
std::map<std::string, std::string> take_custom_params(const std::string& metadata_yaml,
                                                      std::vector<std::string>& args);

// operator.<name>'s scalar settings (key -> text), with the custom params' `values` patched in.
// Throws Error(InvalidArgument) for bad YAML or a patch naming an unknown param.
std::map<std::string, std::string> operator_settings(const std::string& metadata_yaml, const std::string& name,
                                                     const std::map<std::string, std::string>& values);

}  // namespace ig::runner::stats
