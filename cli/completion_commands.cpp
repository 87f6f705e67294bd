// `ig completion bash|zsh|fish` prints a script; the script calls the hidden
// `ig __complete WORDS...`, which prints one candidate per line.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/completion.hpp"
#include "cli/image_info.hpp"
#include "oci/layout_store.hpp"
#include "oci/reference.hpp"
#include "runner/run.hpp"

namespace ig::cli {
namespace {

// The shortest name that resolves to the same image, as users type it ("trace_open:latest",
// "myorg/gadget:v1" for ghcr.io/myorg/gadget:v1).
std::string shortest_name(const std::string& repository, const std::string& tag) {
  const std::string full = repository + ":" + tag;
  const auto slash = full.find('/');
  if (slash == std::string::npos) return full;
  const std::string shorter = full.substr(slash + 1);
  try {
    if (oci::parse_reference(shorter).str() == oci::parse_reference(full).str()) return shorter;
  } catch (const std::exception&) {
  }
  return full;
}

CompletionSources local_store_sources() {
  CompletionSources sources;
  sources.images = [] {
    std::vector<std::string> names;
    oci::LayoutStore store(oci::LayoutStore::default_path());
    for (const auto& image : list_images(store)) names.push_back(shortest_name(image.repository, image.tag));
    return names;
  };
  sources.gadget_flags = [](const std::string& image) -> std::vector<std::string> {
    try {
      runner::RunOptions options;
      options.image = image;
      oci::LayoutStore store(oci::LayoutStore::default_path());
      return runner::gadget_flags(options, store);
    } catch (const std::exception&) {
      return {};  // not a local gadget image: only ig's own flags complete
    }
  };
  return sources;
}

}  // namespace

void add_completion_commands(CLI::App& app) {
  auto* script = app.add_subcommand("completion", "Generate the autocompletion script for the specified shell");
  auto shell = std::make_shared<std::string>();
  script->add_option("SHELL", *shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  script->footer(
      "bash: source <(ig completion bash)   (or save it in /etc/bash_completion.d/ig)\n"
      "zsh:  source <(ig completion zsh)    (after compinit)\n"
      "fish: ig completion fish | source");
  script->callback([shell] { std::cout << completion_script(*shell); });

  auto* helper = app.add_subcommand("__complete", "");
  helper->group("");  // hidden
  helper->prefix_command();
  helper->fallthrough(false);
  helper->set_help_flag();
  helper->callback([helper, &app] {
    for (const auto& candidate : complete(app, helper->remaining(), local_store_sources())) {
      std::cout << candidate << "\n";
    }
  });
}

}  // namespace ig::cli
