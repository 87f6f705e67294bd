// Shell completion. The scripts `ig completion bash|zsh|fish` prints call back into
// `ig __complete WORDS...`, which walks the same CLI11 tree the parser uses, so subcommands and
// flags never go stale, and a gadget's own flags come from the image in the local store.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace ig::cli {

struct CompletionSources {
  // Names of the images in the local store (for IMAGE arguments).
  std::function<std::vector<std::string>()> images;
  // `--flag` names of a gadget image's params; empty when the image is not in the store.
  std::function<std::vector<std::string>(const std::string& image)> gadget_flags;
};

// Candidates for the last of `words` (the word being typed, maybe empty); the words before it
// are the complete ones after the program name. Empty when only a file name fits: the
// scripts then complete file names.
std::vector<std::string> complete(const CLI::App& root, const std::vector<std::string>& words,
                                  const CompletionSources& sources);

// The script for `shell` (bash, zsh, fish); throws Error for another shell.
std::string completion_script(const std::string& shell);

}  // namespace ig::cli
