#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "builder/build.hpp"
#include "builder/pack.hpp"
#include "builder_test_util.hpp"
#include "metadata/object_info.hpp"
#include "oci/layout_store.hpp"
#include "oci/media_types.hpp"
#include "util/error.hpp"

namespace ig::builder {
namespace {
using nlohmann::ordered_json;
using test::kData;
using test::kRepo;
using test::TempDir;

std::vector<std::string> keys(const ordered_json& object) {
  std::vector<std::string> out;
  for (auto it = object.begin(); it != object.end(); ++it) out.push_back(it.key());
  return out;
}

ordered_json blob_json(oci::LayoutStore& store, const oci::Descriptor& desc) {
  return ordered_json::parse(oci::read_all(store, desc));
}

const std::vector<std::string> kAnnotationKeys = {
    "io.inspektor-gadget.builder.version",  "org.opencontainers.image.created",
    "org.opencontainers.image.description", "org.opencontainers.image.documentation",
    "org.opencontainers.image.source",      "org.opencontainers.image.title",
    "org.opencontainers.image.url"};

TEST(Pack, ProducesUpstreamShape) {
  TempDir dir;
  oci::LayoutStore store(dir.path() / "store");
  PackInput input;
  input.metadata = "name: demo\ndescription: d\nannotations:\n  extra.key: v\n";
  input.objects = {{"arm64", "ARM OBJECT"}, {"amd64", "X86 OBJECT"}};
  input.created = "2024-01-02T03:04:05Z";
  input.builder_version = "v9.9.9";
  PackResult result = pack(input, store);

  const ordered_json index = blob_json(store, result.index);
  EXPECT_EQ(keys(index),
            (std::vector<std::string>{"schemaVersion", "mediaType", "manifests", "annotations"}));
  EXPECT_EQ(index["mediaType"], oci::media_type::kImageIndex);
  ASSERT_EQ(index["manifests"].size(), 2u);
  std::vector<std::string> expected_annotations = kAnnotationKeys;
  expected_annotations.push_back("extra.key");
  std::sort(expected_annotations.begin(), expected_annotations.end());
  EXPECT_EQ(keys(index["annotations"]), expected_annotations);
  EXPECT_EQ(index["annotations"]["org.opencontainers.image.title"], "demo");
  EXPECT_EQ(index["annotations"]["org.opencontainers.image.url"], "");
  EXPECT_EQ(index["annotations"]["org.opencontainers.image.created"], "2024-01-02T03:04:05Z");
  EXPECT_EQ(index["annotations"]["io.inspektor-gadget.builder.version"], "v9.9.9");

  const char* archs[] = {"amd64", "arm64"};
  const char* objects[] = {"X86 OBJECT", "ARM OBJECT"};
  for (int i = 0; i < 2; ++i) {
    const ordered_json entry = index["manifests"][i];
    EXPECT_EQ(keys(entry),
              (std::vector<std::string>{"mediaType", "digest", "size", "annotations", "platform"}));
    EXPECT_EQ(entry["platform"], ordered_json::parse(std::string(R"({"architecture":")") +
                                                     archs[i] + R"(","os":"linux"})"));
    EXPECT_EQ(entry["annotations"], index["annotations"]);

    const ordered_json manifest = blob_json(store, result.manifests[i]);
    EXPECT_EQ(keys(manifest), (std::vector<std::string>{"schemaVersion", "artifactType", "config",
                                                        "layers", "annotations"}));
    EXPECT_EQ(manifest["artifactType"], oci::media_type::kGadgetArtifact);
    EXPECT_EQ(keys(manifest["config"]),
              (std::vector<std::string>{"mediaType", "digest", "size", "annotations"}));
    EXPECT_EQ(manifest["config"]["mediaType"], oci::media_type::kGadgetConfig);
    EXPECT_EQ(manifest["config"]["annotations"], index["annotations"]);
    ASSERT_EQ(manifest["layers"].size(), 1u);
    EXPECT_EQ(keys(manifest["layers"][0]),
              (std::vector<std::string>{"mediaType", "digest", "size"}));
    EXPECT_EQ(manifest["layers"][0]["mediaType"], oci::media_type::kGadgetEbpf);
    EXPECT_EQ(manifest["layers"][0]["digest"], oci::sha256_of(objects[i]).str());
  }
  // The config blob is gadget.yaml verbatim.
  oci::Descriptor config = oci::describe(oci::media_type::kGadgetConfig, *input.metadata);
  EXPECT_EQ(oci::read_all(store, config), *input.metadata);
}

TEST(Pack, WithoutMetadataUsesEmptyConfigAndOnlyCreated) {
  TempDir dir;
  oci::LayoutStore store(dir.path() / "store");
  PackInput input;
  input.objects = {{"amd64", "OBJ"}};
  input.created = "2024-01-02T03:04:05Z";
  input.builder_version = "v1";
  PackResult result = pack(input, store);
  const ordered_json manifest = blob_json(store, result.manifests[0]);
  EXPECT_EQ(manifest["config"]["mediaType"], oci::media_type::kEmpty);
  EXPECT_EQ(manifest["config"]["digest"],
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  EXPECT_EQ(manifest["config"]["data"], "e30=");
  EXPECT_EQ(keys(manifest["annotations"]),
            std::vector<std::string>{"org.opencontainers.image.created"});
}

TEST(Pack, CreatedFromSourceDateEpoch) {
  test::ScopedEnv env("SOURCE_DATE_EPOCH", "1700000000");
  EXPECT_EQ(created_timestamp(), "2023-11-14T22:13:20Z");
}

TEST(Pack, CreatedLocalTimeHasNumericOffset) {
  ::unsetenv("SOURCE_DATE_EPOCH");
  test::ScopedEnv tz("TZ", "Europe/Berlin");
  ::tzset();
  const std::string created = created_timestamp();
  EXPECT_TRUE(created.ends_with("+01:00") || created.ends_with("+02:00")) << created;
}

class Build : public ::testing::Test {
 protected:
  TempDir dir_;
  oci::LayoutStore store_{dir_.path() / "store"};

  std::vector<std::string> warnings_;

  BuildResult build_upstream(const std::string& name, const std::string& tag) {
    return build_dir(kData / "upstream" / name, name + ":" + tag);
  }

  BuildResult build_dir(const std::filesystem::path& source, const std::string& tag = "",
                        const std::filesystem::path& build_file = {}) {
    BuildOptions options;
    options.source_dir = source;
    options.tag = tag;
    options.build_file = build_file;
    options.warn = [this](const std::string& line) { warnings_.push_back(line); };
    return build(options, store_);
  }
};

TEST_F(Build, TopLevelAuditSeccompGadget) {
  BuildResult result = build_dir(kRepo, "audit_seccomp:test");
  EXPECT_EQ(result.reference, "ghcr.io/inspektor-gadget/gadget/audit_seccomp:test");
  EXPECT_EQ(store_.resolve(result.reference), result.index);
  const ordered_json index = blob_json(store_, result.index);
  ASSERT_EQ(index["manifests"].size(), 2u);
  EXPECT_EQ(index["annotations"]["org.opencontainers.image.title"], "audit seccomp");
  // The per-arch manifests are listed untagged in index.json, as upstream's store does.
  const ordered_json layout = ordered_json::parse(test::read(dir_.path() / "store/index.json"));
  int untagged_with_platform = 0;
  for (const auto& entry : layout["manifests"])
    if (entry.contains("platform") &&
        !entry["annotations"].contains("org.opencontainers.image.ref.name"))
      ++untagged_with_platform;
  EXPECT_EQ(untagged_with_platform, 2);
}

TEST_F(Build, ReproducibleWithSourceDateEpoch) {
  test::ScopedEnv env("SOURCE_DATE_EPOCH", "1700000000");
  BuildOptions options;
  options.source_dir = kRepo;
  options.architectures = {"amd64"};
  oci::Descriptor first = build(options, store_).index;
  TempDir other;
  oci::LayoutStore store2(other.path() / "store");
  options.output_dir = other.path() / "out";  // a different work directory
  oci::Descriptor second = build(options, store2).index;
  EXPECT_EQ(first.digest, second.digest);
}

TEST_F(Build, ClangNotFound) {
  test::ScopedEnv env("PATH", dir_.path().string());
  try {
    build_dir(kRepo);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "clang not found in PATH: install clang-16 (or clang) to build gadgets");
  }
}

TEST_F(Build, CompileErrorShowsClangMessage) {
  try {
    build_dir(kData / "broken");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("undeclared_identifier_in_fixture"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("program.bpf.c"), std::string::npos) << e.what();
  }
}

TEST_F(Build, InvalidMetadataRefusedBeforeStoring) {
  TempDir src;
  std::filesystem::copy_file(kRepo / "program.bpf.c", src.path() / "program.bpf.c");
  test::write(src.path() / "gadget.yaml", "name: x\nparams:\n  ebpf:\n    nosuch:\n      key: x\n");
  try {
    build_dir(src.path(), "x:y");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "gadget.yaml: params.ebpf.nosuch: variable \"nosuch\" not found in eBPF object");
  }
  EXPECT_TRUE(store_.list().empty());
}

TEST_F(Build, UpdateMetadataWritesGadgetYaml) {
  TempDir src;
  std::filesystem::copy_file(kData / "bad_param/program.bpf.c", src.path() / "program.bpf.c");
  BuildOptions options;
  options.source_dir = src.path();
  options.update_metadata = true;
  options.architectures = {"amd64"};
  BuildResult result = build(options, store_);
  const std::string yaml = test::read(src.path() / "gadget.yaml");
  EXPECT_NE(yaml.find("TODO: Fill the gadget name"), std::string::npos);
  EXPECT_NE(yaml.find("threshold"), std::string::npos);
  // The image carries the generated file as its config.
  const ordered_json index = blob_json(store_, result.index);
  EXPECT_EQ(index["annotations"]["org.opencontainers.image.title"], "TODO: Fill the gadget name");
}

// Upstream gadget sources build unchanged against our headers, and their gadget.yaml passes
// our validation against the BTF our headers produce.
class UpstreamGadget : public Build, public ::testing::WithParamInterface<const char*> {};

TEST_P(UpstreamGadget, Builds) {
  BuildResult result = build_upstream(GetParam(), "compat");
  const ordered_json index = blob_json(store_, result.index);
  EXPECT_EQ(index["manifests"].size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, UpstreamGadget,
                         ::testing::Values("audit_seccomp", "trace_open", "trace_exec",
                                           "snapshot_process", "snapshot_socket", "top_file",
                                           "trace_malloc",
                                           // crash clang 14's BPF backend; clang-16 builds them
                                           "profile_blockio",
                                           // needs vmlinux.h of a kernel newer than 6.1
                                           "ttysnoop",
                                           // name wasm modules: their eBPF part builds
                                           "advise_seccomp", "deadlock", "fsnotify",
                                           "trace_fsslower", "trace_mount", "traceloop"),
                         [](const auto& info) { return std::string(info.param); });

// The mermaid blocks of an upstream dev.md, in order (flowchart, then sequence diagram).
std::vector<std::string> mermaid_blocks(const std::string& markdown) {
  std::vector<std::string> blocks;
  std::istringstream in(markdown);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (!inside && line == "```mermaid") {
      inside = true;
      blocks.emplace_back();
    } else if (inside && line == "```") {
      inside = false;
    } else if (inside) {
      blocks.back() += line + "\n";
    }
  }
  return blocks;
}

// `ig image inspect`'s diagrams of an image we build from upstream's source equal the ones
// upstream generated for its dev.md (for gadgets whose headers we share unchanged; those
// using user stacks reach more maps with ours).
class UpstreamDiagrams : public Build, public ::testing::WithParamInterface<const char*> {};

TEST_P(UpstreamDiagrams, MatchUpstreamDevMd) {
  const std::filesystem::path source = kData / "upstream" / GetParam();
  BuildResult result = build_upstream(GetParam(), "diagrams");
  std::string object;
  for (const auto& m : oci::parse_index(oci::read_all(store_, result.index)).manifests) {
    if (!m.platform || m.platform->architecture != "amd64") continue;
    for (const auto& layer : oci::parse_manifest(oci::read_all(store_, m)).layers) {
      if (layer.media_type == oci::media_type::kGadgetEbpf) object = oci::read_all(store_, layer);
    }
  }
  ASSERT_FALSE(object.empty());
  const auto expected = mermaid_blocks(test::read(source / "dev.md"));
  ASSERT_EQ(expected.size(), 2u);
  const auto info = metadata::describe_object(object);
  EXPECT_EQ(metadata::flowchart(info), expected[0]);
  EXPECT_EQ(metadata::sequence_diagram(info), expected[1]);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, UpstreamDiagrams,
                         ::testing::Values("trace_exec", "snapshot_process", "snapshot_socket",
                                           "top_file"),
                         [](const auto& info) { return std::string(info.param); });

// Macros upstream gadgets use that Debian 12's libbpf (1.1) lacks come from
// include/bpf/bpf_tracing.h, for both architectures.
TEST_F(Build, NewerLibbpfTracingMacros) {
  BuildResult result = build_dir(kData / "kprobe_args", "kprobe_args:test");
  EXPECT_EQ(blob_json(store_, result.index)["manifests"].size(), 2u);
}

// A build.yaml naming a wasm module builds the eBPF part, says the module was not built,
// and stores no wasm layer.
TEST_F(Build, UpstreamWasmGadgetBuildsItsEbpfPartAndSaysSo) {
  BuildResult result = build_upstream("fsnotify", "wasm");
  // gadget.yaml's tracer_user, tracee_group, ... are uidgidresolver targets: the runner fills
  // them, so nothing but the module itself is worth a warning.
  ASSERT_EQ(warnings_.size(), 1u) << ::testing::PrintToString(warnings_);
  EXPECT_EQ(warnings_[0], "wasm module \"go/program.go\" not built (ig has no wasm runtime): "
                          "the image holds the eBPF part only, and fields the module computes "
                          "stay empty");
  for (const auto& m : oci::parse_index(oci::read_all(store_, result.index)).manifests) {
    const auto layers = oci::parse_manifest(oci::read_all(store_, m)).layers;
    ASSERT_EQ(layers.size(), 1u);
    EXPECT_EQ(layers[0].media_type, oci::media_type::kGadgetEbpf);
  }
}

}  // namespace
}  // namespace ig::builder
