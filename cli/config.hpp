// Upstream's configuration (docs/reference/configuration.md): a flag bound to a key such as
// operator.oci.verify-image takes, when the command line leaves it out, the value of
// INSPEKTOR_GADGET_OPERATOR_OCI_VERIFY_IMAGE, else the one in the config file (~/.ig/config.yaml
// or --config), else its default.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <yaml-cpp/yaml.h>

namespace ig::cli {

// INSPEKTOR_GADGET_ followed by `key` upper-cased, with '.' and '-' as '_'.
std::string env_name(const std::string& key);

// The YAML config file, read once.
class ConfigFile {
 public:
  ConfigFile() = default;
  // $HOME/.ig/config.yaml.
  static std::string default_path();
  // A missing file reads as empty unless `required` (the user named it). Throws Error naming
  // the file when it cannot be read or parsed, or is not a mapping.
  static ConfigFile read(const std::string& path, bool required);

  // The value at the dotted `key`: nullopt when unset. A scalar gives one item, a list its
  // items; an empty list counts as unset (upstream's `config default` writes `[]` for them).
  // Throws Error when the key holds a mapping.
  std::optional<std::vector<std::string>> get(const std::string& key) const;
  const std::string& path() const { return path_; }
  const YAML::Node& root() const { return root_; }

 private:
  std::string path_;
  YAML::Node root_{YAML::NodeType::Map};
};

class Configuration {
 public:
  using Environment = std::function<std::optional<std::string>(const std::string& name)>;

  // Adds --config and -v/--verbose to `root` (subcommands that fall through reach them) and
  // fills the bound flags once the command line is parsed, before any command runs.
  explicit Configuration(CLI::App& root, Environment environment = process_environment);

  // The same two flags on a subcommand that does not fall through to the root (ig run).
  void add_global_flags(CLI::App& cmd);
  // `option` of `cmd` takes `key`'s value when the command line does not give it.
  void bind(CLI::App& cmd, CLI::Option* option, const std::string& key);
  // `ig config default|view`.
  void add_command(CLI::App& root);

  static std::optional<std::string> process_environment(const std::string& name);

 private:
  struct Binding {
    CLI::App* command;
    CLI::Option* option;
    std::string key;
  };
  void apply();
  void apply_value(const Binding& binding, const std::vector<std::string>& value,
                   const std::string& source);
  YAML::Node defaults() const;
  YAML::Node effective() const;

  Environment environment_;
  std::string path_;
  bool verbose_ = false;
  ConfigFile file_;
  std::vector<Binding> bindings_;
};

}  // namespace ig::cli
