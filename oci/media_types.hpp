// Media types and annotation keys of OCI images and Inspektor Gadget artifacts.
#pragma once

#include <string_view>

namespace ig::oci::media_type {
inline constexpr std::string_view kImageIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kImageManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kImageConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kEmpty = "application/vnd.oci.empty.v1+json";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";

inline constexpr std::string_view kGadgetArtifact = "application/vnd.gadget.v1+binary";
inline constexpr std::string_view kGadgetConfig = "application/vnd.gadget.config.v1+yaml";
inline constexpr std::string_view kGadgetEbpf = "application/vnd.gadget.ebpf.program.v1+binary";
inline constexpr std::string_view kGadgetWasm = "application/vnd.gadget.wasm.program.v1+binary";
inline constexpr std::string_view kGadgetBtfgen = "application/vnd.gadget.btfgen.v1+binary";

inline constexpr std::string_view kCosignSimpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json";
}  // namespace ig::oci::media_type

namespace ig::oci::annotation {
inline constexpr std::string_view kRefName = "org.opencontainers.image.ref.name";
inline constexpr std::string_view kTitle = "org.opencontainers.image.title";
inline constexpr std::string_view kDescription = "org.opencontainers.image.description";
inline constexpr std::string_view kUrl = "org.opencontainers.image.url";
inline constexpr std::string_view kDocumentation = "org.opencontainers.image.documentation";
inline constexpr std::string_view kSource = "org.opencontainers.image.source";
inline constexpr std::string_view kCreated = "org.opencontainers.image.created";
inline constexpr std::string_view kBuilderVersion = "io.inspektor-gadget.builder.version";
}  // namespace ig::oci::annotation
