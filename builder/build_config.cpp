#include "builder/build_config.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "util/error.hpp"

namespace ig::builder {
namespace fs = std::filesystem;
namespace {

constexpr const char* kDefaultSource = "program.bpf.c";
constexpr const char* kDefaultMetadata = "gadget.yaml";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::NotFound, path.string() + ": cannot read build file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Value of a string key, empty when absent or null.
std::string string_key(const YAML::Node& root, const char* key, const fs::path& file) {
  const YAML::Node node = root[key];
  if (!node || node.IsNull()) return {};
  if (!node.IsScalar())
    throw Error(ErrorCode::InvalidArgument, file.string() + ": " + key + ": expected a string");
  return node.as<std::string>();
}

// The input named by `key`: the default is optional, anything else must exist.
std::optional<fs::path> resolve(const fs::path& source_dir, const std::string& value,
                                const char* fallback, const char* key, const fs::path& file) {
  const fs::path relative = value.empty() ? fs::path(fallback) : fs::path(value);
  const fs::path full = source_dir / relative;
  if (fs::exists(full)) return relative;
  if (value.empty()) return std::nullopt;
  throw Error(ErrorCode::NotFound,
              file.string() + ": " + key + ": " + full.string() + " does not exist");
}

}  // namespace

BuildConfig load_build_config(const fs::path& source_dir, const fs::path& build_file) {
  fs::path file = build_file;
  if (file.empty() && fs::exists(source_dir / "build.yaml")) file = source_dir / "build.yaml";

  YAML::Node root;
  if (!file.empty()) {
    const std::string text = read_file(file);
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      throw Error(ErrorCode::InvalidArgument,
                  file.string() + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    if (!root.IsNull() && !root.IsMap())
      throw Error(ErrorCode::InvalidArgument, file.string() + ": expected a mapping");
  }

  const fs::path shown = file.empty() ? source_dir / "build.yaml" : file;
  const std::string source = root.IsMap() ? string_key(root, "ebpfsource", shown) : "";
  const std::string metadata = root.IsMap() ? string_key(root, "metadata", shown) : "";

  BuildConfig config;
  config.ebpf_source = resolve(source_dir, source, kDefaultSource, "ebpfsource", shown);
  config.metadata = resolve(source_dir, metadata, kDefaultMetadata, "metadata", shown);
  config.metadata_target = metadata.empty() ? fs::path(kDefaultMetadata) : fs::path(metadata);
  if (root.IsMap()) config.wasm = string_key(root, "wasm", shown);
  if (!config.ebpf_source && !config.metadata)
    throw Error(ErrorCode::NotFound, source_dir.string() + ": nothing to build: neither " +
                                         kDefaultSource + " nor " + kDefaultMetadata + " exists");
  return config;
}

}  // namespace ig::builder
