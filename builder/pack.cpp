#include "builder/pack.hpp"

#include <cstdlib>
#include <ctime>

#include "metadata/gadget_metadata.hpp"
#include "oci/media_types.hpp"
#include "util/error.hpp"

namespace ig::builder {
namespace {

void push(oci::Target& target, const oci::Descriptor& desc, std::string bytes) {
  auto reader = oci::make_memory_reader(std::move(bytes));
  target.push(desc, *reader);
}

// ocispec.DescriptorEmptyJSON: the config of a gadget without gadget.yaml.
oci::Descriptor empty_config() {
  oci::Descriptor desc = oci::describe(oci::media_type::kEmpty, "{}");
  desc.data = "e30=";
  return desc;
}

}  // namespace

oci::Annotations annotations_from_metadata(const std::string& metadata_yaml,
                                           const std::string& builder_version) {
  const metadata::GadgetMetadata meta = metadata::parse_metadata(metadata_yaml, "gadget.yaml");
  oci::Annotations annotations{
      {std::string(oci::annotation::kTitle), meta.name},
      {std::string(oci::annotation::kDescription), meta.description},
      {std::string(oci::annotation::kUrl), meta.homepage_url},
      {std::string(oci::annotation::kDocumentation), meta.documentation_url},
      {std::string(oci::annotation::kSource), meta.source_url},
      {std::string(oci::annotation::kBuilderVersion), builder_version},
  };
  for (const auto& [key, value] : meta.annotations) annotations[key] = value;
  return annotations;
}

PackResult pack(const PackInput& input, oci::Target& target) {
  if (input.objects.empty())
    throw Error(ErrorCode::InvalidArgument, "gadget contains no layers: no architecture to build");

  // Config descriptor (shared by every manifest) carries the annotations.
  oci::Descriptor config;
  if (input.metadata) {
    config = oci::describe(oci::media_type::kGadgetConfig, *input.metadata);
    config.annotations = annotations_from_metadata(*input.metadata, input.builder_version);
    push(target, config, *input.metadata);
  } else {
    config = empty_config();
    push(target, config, "{}");
  }
  config.annotations[std::string(oci::annotation::kCreated)] = input.created;

  PackResult result;
  for (const auto& [arch, object] : input.objects) {
    oci::Manifest manifest;
    manifest.artifact_type = oci::media_type::kGadgetArtifact;
    manifest.config = config;
    // A gadget made only of gadget.yaml has "layers":[].
    if (!object.empty()) {
      oci::Descriptor layer = oci::describe(oci::media_type::kGadgetEbpf, object);
      push(target, layer, object);
      manifest.layers.push_back(layer);
    }
    manifest.annotations = config.annotations;
    const std::string json = oci::serialize(manifest);
    oci::Descriptor desc = oci::describe(oci::media_type::kImageManifest, json);
    desc.platform = oci::Platform{arch, "linux", ""};
    desc.annotations = manifest.annotations;
    push(target, desc, json);
    result.manifests.push_back(std::move(desc));
  }

  oci::Index index;
  index.media_type = oci::media_type::kImageIndex;
  index.manifests = result.manifests;
  index.annotations = result.manifests.front().annotations;
  const std::string json = oci::serialize(index);
  result.index = oci::describe(oci::media_type::kImageIndex, json);
  result.index.annotations = index.annotations;
  push(target, result.index, json);
  return result;
}

std::string created_timestamp() {
  char text[64];
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
    char* end = nullptr;
    const long long seconds = std::strtoll(epoch, &end, 10);
    if (*end != '\0' || seconds < 0)
      throw Error(ErrorCode::InvalidArgument,
                  std::string("SOURCE_DATE_EPOCH=") + epoch + ": not a number of seconds");
    const std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
  }
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S%z", &tm);
  // %z gives +0200; RFC 3339 wants +02:00 (and Go prints Z for UTC).
  std::string out = text;
  if (tm.tm_gmtoff == 0) return out.substr(0, out.size() - 5) + "Z";
  out.insert(out.size() - 2, ":");
  return out;
}

}  // namespace ig::builder
