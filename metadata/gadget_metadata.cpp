#include "metadata/gadget_metadata.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

#include "util/error.hpp"

namespace ig::metadata {
namespace {

// Carries the source name so every error points at "<source>:<line>: <path> <problem>".
class Parser {
 public:
  explicit Parser(const std::string& source_name) : source_(source_name) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& problem) const {
    std::string where = source_;
    if (node.Mark().line >= 0 && !node.Mark().is_null()) {
      where += ":" + std::to_string(node.Mark().line + 1);
    }
    throw Error(ErrorCode::InvalidArgument, where + ": " + problem);
  }

  // A missing or null key is treated as absent, as upstream's YAML decoder does.
  static bool present(const YAML::Node& node) { return node.IsDefined() && !node.IsNull(); }

  std::string scalar(const YAML::Node& node, const std::string& path) const {
    if (!present(node)) return {};
    if (!node.IsScalar()) fail(node, path + " must be a string");
    return node.Scalar();
  }

  void require_map(const YAML::Node& node, const std::string& path) const {
    if (!node.IsMap()) fail(node, path + " must be a map");
  }

  Annotations annotations(const YAML::Node& node, const std::string& path) const {
    Annotations out;
    if (!present(node)) return out;
    require_map(node, path);
    for (const auto& kv : node) {
      const std::string key = scalar(kv.first, path + " key");
      out[key] = scalar(kv.second, path + "." + key);
    }
    return out;
  }

  std::vector<std::string> string_list(const YAML::Node& node, const std::string& path) const {
    std::vector<std::string> out;
    if (!present(node)) return out;
    if (!node.IsSequence()) fail(node, path + " must be a list");
    for (const auto& item : node) out.push_back(scalar(item, path + " entry"));
    return out;
  }

  DataSourceMetadata datasource(const YAML::Node& node, const std::string& path) const {
    DataSourceMetadata ds;
    if (!present(node)) return ds;
    require_map(node, path);
    ds.annotations = annotations(node["annotations"], path + ".annotations");
    const YAML::Node fields = node["fields"];
    if (!present(fields)) return ds;
    require_map(fields, path + ".fields");
    for (const auto& kv : fields) {
      const std::string name = scalar(kv.first, path + ".fields key");
      const std::string field_path = path + ".fields." + name;
      FieldMetadata field;
      if (present(kv.second)) {
        require_map(kv.second, field_path);
        field.annotations = annotations(kv.second["annotations"], field_path + ".annotations");
        field.tags = string_list(kv.second["tags"], field_path + ".tags");
      }
      ds.fields[name] = std::move(field);
    }
    return ds;
  }

  void params(const YAML::Node& node, const std::string& path,
              std::map<std::string, ParamMetadata>& out) const {
    if (!present(node)) return;
    require_map(node, path);
    for (const auto& kv : node) {
      const std::string var = scalar(kv.first, path + " key");
      const std::string param_path = path + "." + var;
      ParamMetadata param;
      if (present(kv.second)) {
        require_map(kv.second, param_path);
        param.key = scalar(kv.second["key"], param_path + ".key");
        param.default_value = scalar(kv.second["defaultValue"], param_path + ".defaultValue");
        param.description = scalar(kv.second["description"], param_path + ".description");
      }
      out[var] = std::move(param);
    }
  }

 private:
  std::string source_;
};

// Upstream reads gadget.yaml through viper, whose keys ignore case: its profile_blockio
// ships `dataSources:`.
YAML::Node key_ignoring_case(const YAML::Node& map, const std::string& key) {
  if (map[key]) return map[key];
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) continue;
    const std::string& name = kv.first.Scalar();
    if (name.size() == key.size() &&
        std::equal(name.begin(), name.end(), key.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      return kv.second;
    }
  }
  return YAML::Node();
}

}  // namespace

GadgetMetadata parse_metadata(std::string_view yaml_text, const std::string& source_name) {
  Parser parser(source_name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::ParserException& e) {
    throw Error(ErrorCode::InvalidArgument,
                source_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }

  GadgetMetadata meta;
  if (!Parser::present(root)) return meta;
  parser.require_map(root, "top level");

  try {
    meta.name = parser.scalar(root["name"], "name");
    meta.description = parser.scalar(root["description"], "description");
    meta.homepage_url = parser.scalar(root["homepageURL"], "homepageURL");
    meta.documentation_url = parser.scalar(root["documentationURL"], "documentationURL");
    meta.source_url = parser.scalar(root["sourceURL"], "sourceURL");
    meta.annotations = parser.annotations(root["annotations"], "annotations");

    const YAML::Node datasources = key_ignoring_case(root, "datasources");
    if (Parser::present(datasources)) {
      parser.require_map(datasources, "datasources");
      for (const auto& kv : datasources) {
        const std::string name = parser.scalar(kv.first, "datasources key");
        meta.datasources[name] = parser.datasource(kv.second, "datasources." + name);
      }
    }

    // The legacy ebpfParams location is read first so params.ebpf wins on conflicts.
    parser.params(root["ebpfParams"], "ebpfParams", meta.ebpf_params);
    const YAML::Node params = root["params"];
    if (Parser::present(params)) {
      parser.require_map(params, "params");
      std::map<std::string, ParamMetadata> current;
      parser.params(params["ebpf"], "params.ebpf", current);
      for (auto& [var, param] : current) meta.ebpf_params[var] = std::move(param);
    }
  } catch (const YAML::Exception& e) {
    // yaml-cpp reports conversion problems (e.g. duplicate or odd keys) with a mark.
    throw Error(ErrorCode::InvalidArgument,
                source_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return meta;
}

}  // namespace ig::metadata
