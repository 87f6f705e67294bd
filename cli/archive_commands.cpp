// `ig image export|import`: OCI image-layout tars for moving gadgets to air-gapped machines.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "oci/archive.hpp"
#include "oci/layout_store.hpp"
#include "oci/remote/mirrors.hpp"
#include "trust/signatures.hpp"
#include "util/error.hpp"

namespace ig::cli {
namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void add_export(CLI::App& image) {
  auto* cmd = image.add_subcommand("export", "Export images (with their signatures) to DST_FILE");
  auto args = std::make_shared<std::vector<std::string>>();
  cmd->add_option("SRC_IMAGE... DST_FILE", *args, "Images to export, then the tar file to write")
      ->required()
      ->expected(2, -1);
  cmd->callback([args] {
    std::string file = args->back();
    std::vector<std::string> refs;
    for (size_t i = 0; i + 1 < args->size(); ++i) {
      refs.push_back(oci::parse_reference((*args)[i]).str());
    }
    oci::LayoutStore store(oci::LayoutStore::default_path());
    oci::export_images(store, refs, file,
                       [](oci::ReadOnlyTarget& src, oci::Target& dst, const oci::Digest& digest) {
                         trust::copy_signatures(src, dst, digest);
                       });
    std::cout << "Successfully exported images to " << file << "\n";
  });
}

void add_import(CLI::App& image) {
  auto* cmd = image.add_subcommand("import", "Import images from SRC_FILE");
  auto file = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  cmd->add_option("SRC_FILE", *file, "OCI image-layout tar to import")->required();
  cmd->add_option("-o,--output", *output, "Output mode, possible values are: json, jsonpretty")
      ->check(CLI::IsMember({"json", "jsonpretty"}));
  cmd->add_option("--name", *name,
                  "Repository for images the archive names by a tag only (skopeo's "
                  "oci-archive:FILE:TAG), or REPOSITORY[:TAG] for its one unnamed image");
  cmd->callback([file, output, name] {
    oci::ImportOptions options;
    if (!name->empty()) options.name = oci::parse_reference(*name);
    oci::LayoutStore store(oci::LayoutStore::default_path());
    std::vector<std::string> tags;
    for (auto& tag : oci::import_archive(*file, store, options)) {
      // Signature tags are imported with their images but not reported, as upstream does.
      if (!ends_with(tag, ".sig")) tags.push_back(std::move(tag));
    }
    if (output->empty()) {
      std::cout << "Successfully imported images:\n";
      for (const auto& tag : tags) std::cout << "  " << tag << "\n";
    } else {
      std::cout << nlohmann::json(tags).dump(*output == "jsonpretty" ? 2 : -1) << "\n";
    }
  });
}

}  // namespace

void add_archive_commands(CLI::App& image) {
  add_export(image);
  add_import(image);
}

}  // namespace ig::cli
