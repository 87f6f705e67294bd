#include "cli/config.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <span>

#include "util/debug.hpp"
#include "util/error.hpp"

namespace ig::cli {
namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t end; (end = text.find(separator, start)) != std::string::npos; start = end + 1) {
    parts.push_back(text.substr(start, end - start));
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Keys match case-insensitively, as viper's do.
YAML::Node child_of(const YAML::Node& map, const std::string& name) {
  if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& entry : map) {
    if (entry.first.IsScalar() && lower(entry.first.Scalar()) == name) return entry.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

void set_path(YAML::Node node, std::span<const std::string> parts, const YAML::Node& value) {
  if (parts.size() == 1) {
    node[parts[0]] = value;
    return;
  }
  YAML::Node child = node[parts[0]];
  if (!child.IsMap()) child = YAML::Node(YAML::NodeType::Map);
  set_path(child, parts.subspan(1), value);
}

void set_path(YAML::Node& root, const std::string& key, const YAML::Node& value) {
  const auto parts = split(key, '.');
  set_path(root, std::span<const std::string>(parts), value);
}

// An option's default as config default shows it: a list for options that take several values
// (CLI11 writes their defaults as "[a,b]"), else the text.
YAML::Node default_value(const CLI::Option& option) {
  std::string text = option.get_default_str();
  if (text.empty() && option.get_expected_max() == 0) return YAML::Node("false");  // a flag
  const bool list = option.get_expected_max() > 1 || option.get_delimiter() != '\0';
  if (!list) return YAML::Node(text);
  YAML::Node items(YAML::NodeType::Sequence);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  for (const auto& item : split(text, ',')) {
    if (!item.empty()) items.push_back(item);
  }
  items.SetStyle(YAML::EmitterStyle::Flow);
  return items;
}

std::string joined(const std::vector<std::string>& values) {
  std::string text;
  for (const auto& value : values) text += (text.empty() ? "" : ",") + value;
  return text;
}

void print(const YAML::Node& node) {
  YAML::Emitter out;
  out << node;
  std::cout << out.c_str() << "\n";
}

}  // namespace

std::string env_name(const std::string& key) {
  std::string name = "INSPEKTOR_GADGET_";
  for (unsigned char c : key) name += c == '.' || c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return name;
}

std::string ConfigFile::default_path() {
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr && *home != '\0' ? home : "/root") + "/.ig/config.yaml";
}

ConfigFile ConfigFile::read(const std::string& path, bool required) {
  ConfigFile file;
  file.path_ = path;
  std::error_code ec;
  if (!required && !std::filesystem::exists(path, ec)) return file;
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (root.IsNull()) return file;  // an empty file
    if (!root.IsMap()) throw Error(ErrorCode::InvalidArgument, "config " + path + ": expected a mapping of settings");
    file.root_.reset(root);
  } catch (const YAML::BadFile&) {
    throw Error(ErrorCode::NotFound, "reading config " + path + ": cannot open the file");
  } catch (const YAML::Exception& e) {
    throw Error(ErrorCode::InvalidArgument, "reading config " + path + ": " + e.what());
  }
  return file;
}

std::optional<std::vector<std::string>> ConfigFile::get(const std::string& key) const {
  YAML::Node node = root_;
  for (const auto& part : split(lower(key), '.')) {
    node.reset(child_of(node, part));  // reset: assigning would overwrite root_'s content
    if (!node.IsDefined()) return std::nullopt;
  }
  if (node.IsNull()) return std::nullopt;
  if (node.IsMap()) throw Error(ErrorCode::InvalidArgument, "config " + path_ + ": " + key + " must be a value, not a mapping");
  if (node.IsScalar()) return std::vector<std::string>{node.Scalar()};
  std::vector<std::string> items;
  for (const auto& item : node) {
    if (!item.IsScalar()) throw Error(ErrorCode::InvalidArgument, "config " + path_ + ": " + key + " must list plain values");
    items.push_back(item.Scalar());
  }
  if (items.empty()) return std::nullopt;
  return items;
}

std::optional<std::string> Configuration::process_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

Configuration::Configuration(CLI::App& root, Environment environment)
    : environment_(std::move(environment)) {
  add_global_flags(root);
  root.parse_complete_callback([this] { apply(); });
}

void Configuration::add_global_flags(CLI::App& cmd) {
  cmd.add_option("--config", path_, "Config file to use (default ~/.ig/config.yaml)");
  auto* verbose = cmd.add_flag("-v,--verbose", verbose_, "Print debug information");
  bind(cmd, verbose, "verbose");
}

void Configuration::bind(CLI::App& cmd, CLI::Option* option, const std::string& key) {
  bindings_.push_back({&cmd, option, key});
}

void Configuration::apply() {
  file_ = ConfigFile::read(path_.empty() ? ConfigFile::default_path() : path_, !path_.empty());
  for (const auto& binding : bindings_) {
    if (!binding.command->parsed() || binding.option->count() > 0) continue;
    const std::string variable = env_name(binding.key);
    if (auto value = environment_(variable)) {
      apply_value(binding, {*value}, variable);
    } else if (auto listed = file_.get(binding.key)) {
      apply_value(binding, *listed, "config " + file_.path() + ": " + binding.key);
    }
  }
  if (verbose_) enable_debug();
}

void Configuration::apply_value(const Binding& binding, const std::vector<std::string>& value,
                                const std::string& source) {
  try {
    for (const auto& item : value) binding.option->add_result(item);
    binding.option->run_callback();
  } catch (const CLI::Error& e) {
    throw Error(ErrorCode::InvalidArgument, source + ": invalid value \"" + joined(value) + "\" for " +
                                                binding.option->get_name() + ": " + e.what());
  }
}

YAML::Node Configuration::defaults() const {
  std::set<std::string> seen;
  std::vector<const Binding*> sorted;
  for (const auto& binding : bindings_) {
    if (seen.insert(binding.key).second) sorted.push_back(&binding);
  }
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->key < b->key; });
  YAML::Node root(YAML::NodeType::Map);
  for (const auto* binding : sorted) set_path(root, binding->key, default_value(*binding->option));
  return root;
}

// The file with the environment's overrides of known keys: what the commands will see.
YAML::Node Configuration::effective() const {
  YAML::Node root = YAML::Clone(file_.root());
  std::set<std::string> seen;
  for (const auto& binding : bindings_) {
    if (!seen.insert(binding.key).second) continue;
    if (auto value = environment_(env_name(binding.key))) set_path(root, binding.key, YAML::Node(*value));
  }
  return root;
}

void Configuration::add_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("config", "Configuration commands");
  cmd->require_subcommand(1);
  cmd->add_subcommand("default", "Print the default configuration")->callback([this] { print(defaults()); });
  cmd->add_subcommand("view", "Print the current configuration")->callback([this] { print(effective()); });
}

}  // namespace ig::cli
