// `ig image push|pull|copy`: transfers between the local store and registries.
#include <unistd.h>

#include <iostream>
#include <iterator>
#include <memory>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "oci/layout_store.hpp"
#include "oci/reference.hpp"
#include "oci/remote/login.hpp"
#include "oci/remote/repository.hpp"
#include "trust/transfer.hpp"
#include "util/error.hpp"

namespace ig::cli {
namespace {

// The registry flags of upstream ig, shared by the three commands.
std::shared_ptr<oci::remote::RegistryOptions> add_registry_flags(CLI::App& cmd, Configuration& config) {
  auto options = std::make_shared<oci::remote::RegistryOptions>();
  options->warn = [](const std::string& line) { std::cerr << "warning: " << line << "\n"; };
  config.bind(cmd,
              cmd.add_option("--authfile", options->authfile,
                             "Path of the authentication file (default $REGISTRY_AUTH_FILE, else "
                             "/var/lib/ig/config.json, else the Docker config)"),
              "operator.oci.authfile");
  config.bind(cmd,
              cmd.add_option("--insecure-registries", options->insecure_registries,
                             "Registries (host[:port], comma separated) contacted over plain HTTP")
                  ->delimiter(','),
              "operator.oci.insecure-registries");
  return options;
}

// Names the operation and image in front of the library's message, as upstream does
// ("push ghcr.io/x/y:t: denied: ...").
template <typename F>
auto labelled(const std::string& what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    if (e.code() == ErrorCode::Interrupted) throw;
    throw Error(e.code(), what + ": " + e.what());
  }
}

void add_push(CLI::App& image, Configuration& config) {
  auto* cmd = image.add_subcommand("push", "Push the specified image to a remote registry");
  auto ref = std::make_shared<std::string>();
  cmd->add_option("IMAGE", *ref, "Image to push")->required();
  auto options = add_registry_flags(*cmd, config);
  cmd->callback([ref, options] {
    auto reference = oci::parse_reference(*ref);
    std::cout << "Pushing " << reference.str() << "...\n" << std::flush;
    oci::LayoutStore store(oci::LayoutStore::default_path());
    ProgressDisplay progress(STDERR_FILENO);
    auto desc = labelled("push " + reference.str(), [&] {
      return trust::push_with_signatures(reference, store, *options, progress.copy_options());
    });
    std::cout << "Successfully pushed " << reference.str() << "@" << desc.digest.str() << "\n";
  });
}

void add_pull(CLI::App& image, Configuration& config) {
  auto* cmd = image.add_subcommand("pull", "Pull the specified image from a remote registry");
  auto ref = std::make_shared<std::string>();
  auto platform = std::make_shared<std::string>();
  cmd->add_option("IMAGE", *ref, "Image to pull")->required();
  cmd->add_option("--platform", *platform, "Pull only this platform (e.g. linux/amd64); default: all");
  auto options = add_registry_flags(*cmd, config);
  cmd->callback([ref, platform, options] {
    auto reference = oci::parse_reference(*ref);
    std::cout << "Pulling " << reference.str() << "...\n" << std::flush;
    oci::LayoutStore store(oci::LayoutStore::default_path());
    ProgressDisplay progress(STDERR_FILENO);
    auto desc = labelled("pull " + reference.str(), [&] {
      return trust::pull_with_signatures(
          reference, store, *options, *platform,
          [](const std::string& w) { std::cerr << "warning: " << w << "\n"; }, progress.copy_options());
    });
    std::cout << "Successfully pulled " << reference.str() << "@" << desc.digest.str() << "\n";
  });
}

oci::Reference with_tag(oci::Reference ref, const std::string& tag) {
  ref.tag = tag;
  ref.digest.clear();
  return ref;
}

void add_copy(CLI::App& image, Configuration& config) {
  auto* cmd = image.add_subcommand("copy", "Copy an image from one registry to another, without the local store");
  auto src = std::make_shared<std::string>();
  auto dst = std::make_shared<std::string>();
  auto all_tags = std::make_shared<bool>(false);
  cmd->add_option("SRC_IMAGE", *src, "Source image")->required();
  cmd->add_option("DST_IMAGE", *dst, "Destination image")->required();
  cmd->add_flag("--all-tags", *all_tags,
                "Copy every tag of the source repository (the tags of SRC_IMAGE and DST_IMAGE are "
                "ignored); used to fill a mirror");
  auto options = add_registry_flags(*cmd, config);
  cmd->callback([src, dst, all_tags, options] {
    auto from = oci::parse_reference(*src);
    auto to = oci::parse_reference(*dst);
    std::vector<std::pair<oci::Reference, oci::Reference>> copies = {{from, to}};
    if (*all_tags) {
      auto tags = labelled("list tags of " + from.name(),
                           [&] { return oci::remote::Repository(from, *options).tags(); });
      copies.clear();
      for (const auto& tag : tags) {
        // Signature and referrer tags travel with the image they belong to.
        if (tag.starts_with("sha256-")) continue;
        copies.push_back({with_tag(from, tag), with_tag(to, tag)});
      }
    }
    for (const auto& [source, target] : copies) {
      std::cout << "Copying " << source.str() << " to " << target.str() << "...\n" << std::flush;
      ProgressDisplay progress(STDERR_FILENO);
      auto desc = labelled("copy " + source.str() + " " + target.str(), [&] {
        return trust::copy_with_signatures(source, target, *options, progress.copy_options());
      });
      std::cout << "Successfully copied " << target.str() << "@" << desc.digest.str() << "\n";
    }
  });
}

// The password as `--password-stdin` gives it: all of stdin, without its final newline.
std::string password_from_stdin() {
  std::string password(std::istreambuf_iterator<char>(std::cin), {});
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) password.pop_back();
  return password;
}

void add_login(CLI::App& app, Configuration& config) {
  auto* cmd = app.add_subcommand("login", "Log in to a registry (credentials kept in the authentication file)");
  auto registry = std::make_shared<std::string>();
  auto username = std::make_shared<std::string>();
  auto password = std::make_shared<std::string>();
  auto from_stdin = std::make_shared<bool>(false);
  cmd->add_option("REGISTRY", *registry, "Registry host[:port]")->required();
  cmd->add_option("-u,--username", *username, "Username")->required();
  auto* password_flag = cmd->add_option("-p,--password", *password, "Password (visible to other users: prefer --password-stdin)");
  cmd->add_flag("--password-stdin", *from_stdin, "Read the password from stdin")->excludes(password_flag);
  auto options = add_registry_flags(*cmd, config);
  cmd->callback([=] {
    if (*from_stdin) *password = password_from_stdin();
    if (password->empty()) throw Error(ErrorCode::InvalidArgument, "login " + *registry + ": no password (use --password-stdin)");
    labelled("login " + *registry, [&] { oci::remote::login(*registry, *username, *password, *options); });
    std::cout << "Login Succeeded!\n";
  });
}

void add_logout(CLI::App& app, Configuration& config) {
  auto* cmd = app.add_subcommand("logout", "Remove a registry's credentials from the authentication file");
  auto registry = std::make_shared<std::string>();
  cmd->add_option("REGISTRY", *registry, "Registry host[:port]")->required();
  auto options = add_registry_flags(*cmd, config);
  cmd->callback([=] {
    labelled("logout " + *registry, [&] { oci::remote::logout(*registry, *options); });
    std::cout << "Removed login credentials for " << *registry << "\n";
  });
}

}  // namespace

void add_login_commands(CLI::App& app, Configuration& config) {
  add_login(app, config);
  add_logout(app, config);
}

void add_registry_commands(CLI::App& image, Configuration& config) {
  add_push(image, config);
  add_pull(image, config);
  add_copy(image, config);
}

}  // namespace ig::cli
