#include "runner/stats/operator_settings.hpp"

#include <regex>

#include <yaml-cpp/yaml.h>

#include "runner/params.hpp"
#include "util/error.hpp"

namespace ig::runner::stats {
namespace {

YAML::Node load(const std::string& text) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorCode::InvalidArgument, std::string("gadget.yaml: ") + e.what());
  }
}

// Every scalar of `patch` under operator.<name>, with its key.
void patched_settings(const YAML::Node& patch, const std::string& name, std::map<std::string, std::string>& out) {
  const YAML::Node settings = patch["operator"] ? patch["operator"][name] : YAML::Node();
  if (!settings || !settings.IsMap()) return;
  for (const auto& entry : settings) {
    if (entry.second.IsScalar()) out[entry.first.as<std::string>()] = entry.second.Scalar();
  }
}

}  // namespace

std::vector<CustomParam> custom_params(const std::string& metadata_yaml) {
  std::vector<CustomParam> params;
  const YAML::Node root = load(metadata_yaml);
  const YAML::Node custom = root["params"] ? root["params"]["custom"] : YAML::Node();
  if (!custom || !custom.IsMap()) return params;
  for (const auto& entry : custom) {
    const YAML::Node& p = entry.second;
    params.push_back({entry.first.as<std::string>(), p["description"] ? p["description"].as<std::string>() : "",
                      p["defaultValue"] ? p["defaultValue"].as<std::string>() : ""});
  }
  return params;
}

std::map<std::string, std::string> take_custom_params(const std::string& metadata_yaml,
                                                      std::vector<std::string>& args) {
  std::map<std::string, std::string> values;
  for (const auto& param : custom_params(metadata_yaml)) {
    values["custom." + param.key] = take_flag(args, param.key).value_or(param.default_value);
  }
  return values;
}

std::map<std::string, std::string> operator_settings(const std::string& metadata_yaml, const std::string& name,
                                                     const std::map<std::string, std::string>& values) {
  std::map<std::string, std::string> settings;
  const YAML::Node root = load(metadata_yaml);
  const YAML::Node own = root["operator"] ? root["operator"][name] : YAML::Node();
  if (own && own.IsMap()) {
    for (const auto& entry : own) {
      if (entry.second.IsScalar()) settings[entry.first.as<std::string>()] = entry.second.Scalar();
    }
  }
  static const std::regex kTemplate(R"re(\{\{\s*call\s+\.getParamValue\s+"([^"]+)"\s*\}\})re");
  const YAML::Node custom = root["params"] ? root["params"]["custom"] : YAML::Node();
  if (!custom || !custom.IsMap()) return settings;
  for (const auto& entry : custom) {
    if (!entry.second["patch"]) continue;
    std::map<std::string, std::string> patched;
    patched_settings(entry.second["patch"], name, patched);
    for (auto& [key, text] : patched) {
      std::string value;
      std::sregex_iterator it(text.begin(), text.end(), kTemplate), end;
      size_t last = 0;
      for (; it != end; ++it) {
        value += text.substr(last, it->position() - last);
        auto found = values.find((*it)[1].str());
        if (found == values.end()) {
          throw Error(ErrorCode::InvalidArgument, "gadget.yaml: params.custom." + entry.first.as<std::string>() +
                                                      ": the patch names an unknown param " + (*it)[1].str());
        }
        value += found->second;
        last = it->position() + it->length();
      }
      value += text.substr(last);
      settings[key] = value;
    }
  }
  return settings;
}

}  // namespace ig::runner::stats
