#include <gtest/gtest.h>

#include "builder/build_config.hpp"
#include "builder_test_util.hpp"
#include "util/error.hpp"

namespace ig::builder {
namespace {
using test::TempDir;
using test::write;

TEST(BuildConfig, DefaultsWhenNoBuildFile) {
  TempDir dir;
  write(dir.path() / "program.bpf.c", "");
  write(dir.path() / "gadget.yaml", "name: x\n");
  BuildConfig config = load_build_config(dir.path(), {});
  EXPECT_EQ(config.ebpf_source, std::filesystem::path("program.bpf.c"));
  EXPECT_EQ(config.metadata, std::filesystem::path("gadget.yaml"));
}

TEST(BuildConfig, MissingDefaultsAreOptional) {
  TempDir dir;
  write(dir.path() / "gadget.yaml", "name: x\n");
  BuildConfig config = load_build_config(dir.path(), {});
  EXPECT_FALSE(config.ebpf_source);
  EXPECT_TRUE(config.metadata);
}

TEST(BuildConfig, CustomKeysAndUnknownKeysIgnored) {
  TempDir dir;
  write(dir.path() / "src/prog.c", "");
  write(dir.path() / "meta.yaml", "");
  write(dir.path() / "build.yaml", "ebpfsource: src/prog.c\nmetadata: meta.yaml\ncflags: -DX\nfoo: 1\n");
  BuildConfig config = load_build_config(dir.path(), {});
  EXPECT_EQ(config.ebpf_source, std::filesystem::path("src/prog.c"));
  EXPECT_EQ(config.metadata, std::filesystem::path("meta.yaml"));
}

TEST(BuildConfig, MissingNonDefaultFileIsAnError) {
  TempDir dir;
  write(dir.path() / "gadget.yaml", "");
  write(dir.path() / "build.yaml", "ebpfsource: nope.c\n");
  try {
    load_build_config(dir.path(), {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ebpfsource"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nope.c"), std::string::npos) << e.what();
  }
}

TEST(BuildConfig, NothingToBuild) {
  TempDir dir;
  EXPECT_THROW(load_build_config(dir.path(), {}), Error);
}

TEST(BuildConfig, WasmNamedNotRequired) {
  TempDir dir;
  write(dir.path() / "program.bpf.c", "");
  write(dir.path() / "build.yaml", "wasm: go/program.go\n");
  const BuildConfig config = load_build_config(dir.path(), {});
  EXPECT_EQ(config.wasm, "go/program.go");
  EXPECT_EQ(config.ebpf_source, std::filesystem::path("program.bpf.c"));
}

TEST(BuildConfig, ExplicitBuildFileTakenAsIs) {
  TempDir dir;
  write(dir.path() / "program.bpf.c", "");
  write(dir.path() / "build.yaml", "wasm: x.wasm\n");  // ignored: -f points elsewhere
  write(dir.path() / "other.yaml", "{}\n");
  EXPECT_NO_THROW(load_build_config(dir.path(), dir.path() / "other.yaml"));
}

TEST(BuildConfig, InvalidYamlNamesTheLine) {
  TempDir dir;
  write(dir.path() / "program.bpf.c", "");
  write(dir.path() / "build.yaml", "ebpfsource: a\n  bad: [\n");
  try {
    load_build_config(dir.path(), {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("line "), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ig::builder
