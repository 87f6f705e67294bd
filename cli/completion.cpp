#include "cli/completion.hpp"

#include <algorithm>
#include <set>

#include "util/error.hpp"

namespace ig::cli {
namespace {

using Options = std::vector<const CLI::Option*>;

// Options reachable from `app`: its own, then its parents' while it falls through to them.
Options reachable_options(const CLI::App* app) {
  Options options;
  for (const CLI::App* at = app; at != nullptr; at = at->get_parent()) {
    for (const auto* option : at->get_options()) {
      if (!option->get_positional() && !option->get_group().empty()) options.push_back(option);
    }
    if (!at->get_fallthrough()) break;
  }
  return options;
}

const CLI::Option* find_option(const CLI::App* app, const std::string& name) {
  for (const auto* option : reachable_options(app)) {
    if (option->check_name(name)) return option;
  }
  return nullptr;
}

// Whether the next word is the option's value. One whose value is optional (--verify-image)
// counts as taking none, so that IMAGE after it still completes.
bool takes_next_word(const CLI::Option& option) {
  return option.get_type_size_min() > 0 && option.get_expected_min() > 0;
}

const CLI::App* find_subcommand(const CLI::App* app, const std::string& name) {
  for (const auto* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

// Values of an option: the set of its IsMember check (CLI11 describes it as "TYPE:{a,b}"),
// else what the flags of that name accept.
std::vector<std::string> option_values(const CLI::Option& option) {
  const std::string type = option.get_type_name();
  const auto open = type.find('{');
  const auto close = type.find('}', open);
  if (open != std::string::npos && close != std::string::npos) {
    std::vector<std::string> values;
    std::string set = type.substr(open + 1, close - open - 1);
    for (size_t start = 0, end; start <= set.size(); start = end + 1) {
      end = std::min(set.find(',', start), set.size());
      if (end > start) values.push_back(set.substr(start, end - start));
    }
    return values;
  }
  const std::string name = option.get_lnames().empty() ? "" : option.get_lnames().front();
  if (name == "output") return {"columns", "json", "jsonpretty", "yaml", "none"};
  if (name == "runtimes") return {"docker", "containerd", "cri-o", "podman"};
  if (name == "verify-image") return {"true", "false"};
  return {};
}

std::vector<std::string> option_names(const CLI::App* app, bool long_only) {
  std::vector<std::string> names;
  for (const auto* option : reachable_options(app)) {
    if (!long_only) {
      for (const auto& s : option->get_snames()) names.push_back("-" + s);
    }
    for (const auto& l : option->get_lnames()) names.push_back("--" + l);
  }
  return names;
}

// The positional of `app` that the word at `index` fills, or null; a list takes the rest.
const CLI::Option* positional_at(const CLI::App* app, size_t index) {
  size_t i = 0;
  for (const auto* option : app->get_options()) {
    if (!option->get_positional()) continue;
    if (i == index || option->get_expected_max() > 1) return option;
    ++i;
  }
  return nullptr;
}

struct Walk {
  const CLI::App* app;
  std::vector<std::string> positionals;  // of `app`
  const CLI::Option* pending = nullptr;  // the last complete word is this option, its value is due
};

Walk walk(const CLI::App& root, const std::vector<std::string>& words) {
  Walk at{&root, {}, nullptr};
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    const std::string& word = words[i];
    if (at.pending != nullptr) {
      at.pending = nullptr;
      continue;
    }
    if (word.size() > 1 && word[0] == '-') {
      const auto* option = find_option(at.app, word.substr(0, word.find('=')));
      if (option != nullptr && word.find('=') == std::string::npos && takes_next_word(*option)) at.pending = option;
      continue;
    }
    if (at.positionals.empty()) {
      if (const auto* sub = find_subcommand(at.app, word)) {
        at.app = sub;
        continue;
      }
    }
    at.positionals.push_back(word);
  }
  return at;
}

std::vector<std::string> candidates(const Walk& at, const std::string& current, const CompletionSources& sources) {
  if (at.pending != nullptr) return option_values(*at.pending);
  if (current.size() > 1 && current[0] == '-' && current.find('=') != std::string::npos) {
    const std::string name = current.substr(0, current.find('='));
    const auto* option = find_option(at.app, name);
    std::vector<std::string> values;
    if (option != nullptr) {
      for (const auto& value : option_values(*option)) values.push_back(name + "=" + value);
    }
    return values;
  }
  if (!current.empty() && current[0] == '-') {
    auto names = option_names(at.app, current.size() > 1);
    if (at.app->get_name() == "run" && !at.positionals.empty() && sources.gadget_flags) {
      for (const auto& flag : sources.gadget_flags(at.positionals.front())) names.push_back(flag);
    }
    return names;
  }
  std::vector<std::string> names;
  if (at.positionals.empty()) {
    for (const auto* sub : at.app->get_subcommands([](const CLI::App*) { return true; })) {
      if (!sub->get_name().starts_with("__")) names.push_back(sub->get_name());
    }
  }
  const auto* positional = positional_at(at.app, at.positionals.size());
  if (positional == nullptr) return names;
  // IMAGE, SRC_IMAGE, "SRC_IMAGE... DST_FILE": images of the local store.
  if (positional->get_name(true).find("IMAGE") != std::string::npos && sources.images) {
    for (const auto& image : sources.images()) names.push_back(image);
  }
  for (const auto& value : option_values(*positional)) names.push_back(value);
  return names;
}

}  // namespace

std::vector<std::string> complete(const CLI::App& root, const std::vector<std::string>& words,
                                  const CompletionSources& sources) {
  std::vector<std::string> all = words;
  if (all.empty()) all.emplace_back();
  const std::string& current = all.back();
  std::vector<std::string> found;
  std::set<std::string> seen;
  for (auto& candidate : candidates(walk(root, all), current, sources)) {
    if (candidate.starts_with(current) && seen.insert(candidate).second) found.push_back(std::move(candidate));
  }
  return found;
}

std::string completion_script(const std::string& shell) {
  if (shell == "bash") {
    // The words come from COMP_LINE: COMP_WORDS splits at ':' and '=', which image references
    // and --flag=value contain.
    return R"(# bash completion for ig: source <(ig completion bash)
_ig_complete() {
  local line=${COMP_LINE:0:COMP_POINT} words
  read -ra words <<< "$line"
  [[ $line == *[[:space:]] ]] && words+=("")
  local cur=${words[${#words[@]}-1]}
  local IFS=$'\n'
  COMPREPLY=($("${words[0]}" __complete "${words[@]:1}" 2> /dev/null))
  # bash replaces only what follows the word's last ':' or '=' (COMP_WORDBREAKS)
  local keep=${cur%"${cur##*[:=]}"}
  [[ -n $keep ]] && COMPREPLY=("${COMPREPLY[@]#"$keep"}")
  return 0
}
complete -o default -F _ig_complete ig
)";
  }
  if (shell == "zsh") {
    return R"(#compdef ig
# zsh completion for ig: source <(ig completion zsh), or save as _ig in $fpath
_ig() {
  local -a candidates
  candidates=("${(@f)$(${words[1]} __complete "${(@)words[2,CURRENT]}" 2> /dev/null)}")
  candidates=(${candidates:#})
  if (( ${#candidates} )); then
    compadd -Q -- "${candidates[@]}"
  else
    _files
  fi
}
if [[ "${funcstack[1]}" = "_ig" ]]; then _ig "$@"; else compdef _ig ig; fi
)";
  }
  if (shell == "fish") {
    return R"(# fish completion for ig: ig completion fish | source
function __ig_complete
    set -l tokens (commandline -opc) (commandline -ct)
    set -l found ($tokens[1] __complete $tokens[2..-1] 2> /dev/null)
    if test (count $found) -gt 0
        printf '%s\n' $found
    else
        __fish_complete_path (commandline -ct)
    end
end
complete -c ig -f -a '(__ig_complete)'
)";
  }
  throw Error(ErrorCode::InvalidArgument, "completion: unknown shell \"" + shell + "\" (bash, zsh or fish)");
}

}  // namespace ig::cli
