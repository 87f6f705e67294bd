// `ig image ...`: build, list, inspect, tag, remove.
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "builder/build.hpp"
#include "cli/commands.hpp"
#include "cli/image_info.hpp"
#include "oci/layout_store.hpp"
#include "oci/reference.hpp"
#include "util/error.hpp"

namespace ig::cli {
namespace {

std::string ref_with_digest(const std::string& reference, const oci::Descriptor& desc) {
  return reference + "@" + desc.digest.str();
}

void add_build(CLI::App& image) {
  auto* cmd = image.add_subcommand("build", "Build a gadget image");
  auto options = std::make_shared<builder::BuildOptions>();
  auto path = std::make_shared<std::string>(".");
  auto local = std::make_shared<bool>(true);
  auto builder_image = std::make_shared<std::string>();
  auto builder_image_pull = std::make_shared<std::string>("always");
  cmd->add_option("PATH", *path, "Path to the gadget's source directory")->capture_default_str();
  cmd->add_option("-f,--file", options->build_file, "Path to build.yaml");
  cmd->add_option("-t,--tag", options->tag, "Name for the built image (format name:tag)");
  cmd->add_option("-o,--output", options->output_dir, "Keep intermediate files in this directory");
  cmd->add_flag("--update-metadata", options->update_metadata,
                "Update the metadata according to the eBPF code");
  cmd->add_flag("--validate-metadata{true},!--no-validate-metadata", options->validate_metadata,
                "Validate the metadata file before building")
      ->default_str("true");
  cmd->add_flag("-l,--local", *local,
                "Build using the local toolchain (the only mode: no builder container is used)");
  cmd->add_option("--builder-image", *builder_image,
                  "Accepted for compatibility; gadgets are always built with the local clang");
  cmd->add_option("--builder-image-pull", *builder_image_pull,
                  "Accepted for compatibility (always, missing, never)")
      ->check(CLI::IsMember({"always", "missing", "never"}));
  cmd->callback([options, path, builder_image] {
    if (!builder_image->empty())
      std::cerr << "warning: --builder-image is ignored: gadgets are built with the local clang\n";
    options->source_dir = *path;
    oci::LayoutStore store(oci::LayoutStore::default_path());
    auto result = builder::build(*options, store);
    std::cout << "Successfully built "
              << (result.reference.empty() ? "@" + result.index.digest.str()
                                           : ref_with_digest(result.reference, result.index))
              << "\n";
  });
}

std::string created_for_humans(const std::string& rfc3339) {
  std::tm tm{};
  std::istringstream in(rfc3339);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return rfc3339;
  // Parsed as UTC-ish; the offset part is ignored, which is precise enough for "N ago".
  time_t then = timegm(&tm);
  auto seconds = std::time(nullptr) - then;
  if (seconds < 60) return std::to_string(seconds) + " seconds ago";
  if (seconds < 3600) return std::to_string(seconds / 60) + " minutes ago";
  if (seconds < 86400) return std::to_string(seconds / 3600) + " hours ago";
  return std::to_string(seconds / 86400) + " days ago";
}

void add_list(CLI::App& image) {
  auto* cmd = image.add_subcommand("list", "List gadget images on the host");
  cmd->alias("ls");
  auto no_trunc = std::make_shared<bool>(false);
  auto output = std::make_shared<std::string>("columns");
  cmd->add_flag("--no-trunc", *no_trunc, "Don't truncate output");
  cmd->add_option("-o,--output", *output, "Output mode")
      ->check(CLI::IsMember({"columns", "json", "jsonpretty"}))
      ->capture_default_str();
  cmd->callback([no_trunc, output] {
    oci::LayoutStore store(oci::LayoutStore::default_path());
    auto images = list_images(store);
    if (*output != "columns") {
      auto rows = nlohmann::ordered_json::array();
      for (const auto& i : images)
        rows.push_back({{"Repository", i.repository},
                        {"Tag", i.tag},
                        {"Digest", i.digest},
                        {"Created", i.created}});
      std::cout << (*output == "json" ? rows.dump() : rows.dump(2));
      return;
    }
    bool humanize = isatty(STDOUT_FILENO) && !*no_trunc;
    std::vector<std::vector<std::string>> table{{"REPOSITORY", "TAG", "DIGEST", "CREATED"}};
    for (const auto& i : images) {
      std::string digest = i.digest;
      std::string created = i.created;
      if (humanize) {
        digest = digest.substr(digest.find(':') + 1, 12);
        created = created_for_humans(created);
      }
      table.push_back({i.repository, i.tag, digest, created});
    }
    print_table(std::cout, table);
  });
}

void add_inspect(CLI::App& image) {
  auto* cmd = image.add_subcommand("inspect", "Inspect a gadget image");
  auto ref = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>("jsonpretty");
  auto extra_info = std::make_shared<std::string>();
  cmd->add_option("IMAGE", *ref, "Image to inspect")->required();
  cmd->add_option("-o,--output", *output, "Output mode")
      ->check(CLI::IsMember({"json", "jsonpretty", "yaml"}))
      ->capture_default_str();
  cmd->add_option("--extra-info", *extra_info,
                  "Print only the content of this key (e.g. oci.metadata)");
  cmd->callback([ref, output, extra_info] {
    oci::LayoutStore store(oci::LayoutStore::default_path());
    auto info = inspect_image(store, *ref);
    if (!extra_info->empty()) {
      auto it = info.find(*extra_info);
      if (it == info.end())
        throw Error(ErrorCode::NotFound,
                    "image " + *ref + ": extra info \"" + *extra_info + "\" not found");
      std::cout << render_extra_info(it.value(), *output);
      return;
    }
    if (*output == "yaml")
      std::cout << to_yaml(info);
    else
      std::cout << info.dump(*output == "json" ? -1 : 2) << "\n";
  });
}

void add_tag(CLI::App& image) {
  auto* cmd = image.add_subcommand("tag", "Tag the local SRC_IMAGE image with the DST_IMAGE");
  auto src = std::make_shared<std::string>();
  auto dst = std::make_shared<std::string>();
  cmd->add_option("SRC_IMAGE", *src, "Source image")->required();
  cmd->add_option("DST_IMAGE", *dst, "Destination image")->required();
  cmd->callback([src, dst] {
    oci::LayoutStore store(oci::LayoutStore::default_path());
    auto source = oci::parse_reference(*src).str();
    auto target = oci::parse_reference(*dst).str();
    auto desc = store.resolve(source);
    store.tag(desc, target);
    std::cout << "Successfully tagged with " << ref_with_digest(target, desc) << "\n";
  });
}

void add_remove(CLI::App& image) {
  auto* cmd = image.add_subcommand("remove", "Remove local gadget image");
  cmd->alias("rm");
  auto ref = std::make_shared<std::string>();
  cmd->add_option("IMAGE", *ref, "Image to remove")->required();
  cmd->callback([ref] {
    oci::LayoutStore store(oci::LayoutStore::default_path());
    store.untag(oci::parse_reference(*ref).str());
    std::cout << "Successfully removed " << *ref << "\n";
  });
}

}  // namespace

void add_image_commands(CLI::App& app, Configuration& config) {
  auto* image = app.add_subcommand("image", "Manage gadget images");
  image->require_subcommand(1);
  add_build(*image);
  add_list(*image);
  add_inspect(*image);
  add_tag(*image);
  add_remove(*image);
  add_registry_commands(*image, config);
  add_archive_commands(*image);
  add_trust_commands(*image, config);
}

}  // namespace ig::cli
