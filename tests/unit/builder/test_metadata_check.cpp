#include <bpf/btf.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <memory>
#include <vector>

#include "builder/compile.hpp"
#include "builder/metadata_check.hpp"
#include "builder_test_util.hpp"
#include "metadata/btf_markers.hpp"
#include "util/error.hpp"

namespace ig::builder {
namespace {
using test::kData;
using test::kRepo;

struct BtfDeleter {
  void operator()(struct btf* b) const { btf__free(b); }
};
using BtfPtr = std::unique_ptr<struct btf, BtfDeleter>;

// Compiles the top-level audit_seccomp gadget and the bad_param fixture once.
class MetadataCheck : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    seccomp_ = BtfPtr(btf__parse_elf(
        compile(kRepo, "program.bpf.c", "amd64", dir_->path() / "seccomp").c_str(), nullptr));
    params_ = BtfPtr(btf__parse_elf(
        compile(kData / "bad_param", "program.bpf.c", "amd64", dir_->path() / "params").c_str(),
        nullptr));
  }
  static void TearDownTestSuite() {
    seccomp_.reset();
    params_.reset();
    delete dir_;
  }
  void SetUp() override {
    ASSERT_TRUE(seccomp_);
    ASSERT_TRUE(params_);
  }

  static std::string error_of(const std::string& yaml, const struct btf* btf) {
    try {
      validate_metadata(yaml, "gadget.yaml", btf);
    } catch (const Error& e) {
      return e.what();
    }
    return {};
  }

  static std::vector<std::string> warnings_of(const std::string& yaml, const struct btf* btf) {
    std::vector<std::string> warnings;
    validate_metadata(yaml, "gadget.yaml", btf,
                      [&warnings](const std::string& w) { warnings.push_back(w); });
    return warnings;
  }

  static inline test::TempDir* dir_ = nullptr;
  static inline BtfPtr seccomp_;
  static inline BtfPtr params_;
};

TEST_F(MetadataCheck, MarkersOfAuditSeccomp) {
  auto markers = metadata::discover_markers(seccomp_.get());
  ASSERT_EQ(markers.tracers.size(), 1u);
  EXPECT_EQ(markers.tracers[0].name, "seccomp");
  EXPECT_EQ(markers.tracers[0].map_name, "events");
  EXPECT_EQ(markers.tracers[0].struct_name, "event");
  EXPECT_EQ(markers.tracer_maps, std::vector<std::string>{"events"});
  std::vector<std::string> params;
  for (const auto& p : markers.params) params.push_back(p.variable);
  for (const char* expected : {"targ_pid", "targ_tid", "targ_uid", "targ_gid", "targ_comm",
                               "collect_ustack", "collect_build_id", "collect_otel_stack"})
    EXPECT_NE(std::find(params.begin(), params.end(), expected), params.end()) << expected;
}

TEST_F(MetadataCheck, AcceptsTheShippedGadgetYaml) {
  EXPECT_EQ(error_of(test::read(kRepo / "gadget.yaml"), seccomp_.get()), "");
}

TEST_F(MetadataCheck, AcceptsNestedAndOperatorFields) {
  EXPECT_EQ(error_of("datasources:\n  seccomp:\n    fields:\n      proc.comm: {}\n"
                     "      proc.creds.uid: {}\n      ustack.symbols: {}\n"
                     "      runtime.containerName: {}\n      timestamp: {}\n",
                     seccomp_.get()),
            "");
}

// Upstream builds gadget.yaml files naming what the object lacks (its trace_oomkill and
// trace_mount ship some): a warning each, never a refusal.
TEST_F(MetadataCheck, WarnsOfUnknownDatasource) {
  EXPECT_EQ(error_of("datasources:\n  open: {}\n", seccomp_.get()), "");
  EXPECT_EQ(warnings_of("datasources:\n  open: {}\n", seccomp_.get()),
            std::vector<std::string>{"gadget.yaml: datasources.open: no tracer, map iterator or "
                                     "iterator named \"open\" in the eBPF object"});
}

TEST_F(MetadataCheck, WarnsOfUnknownField) {
  const std::string yaml = "datasources:\n  seccomp:\n    fields:\n      foo: {}\n";
  EXPECT_EQ(error_of(yaml, seccomp_.get()), "");
  EXPECT_EQ(warnings_of(yaml, seccomp_.get()),
            std::vector<std::string>{
                "gadget.yaml: datasources.seccomp.fields.foo: no such field in struct event"});
}

TEST_F(MetadataCheck, ParamMustBeConstVolatileGlobal) {
  EXPECT_EQ(error_of("params:\n  ebpf:\n    threshold:\n      key: threshold\n", params_.get()),
            "");
  EXPECT_EQ(error_of("params:\n  ebpf:\n    not_const:\n      key: x\n", params_.get()),
            "gadget.yaml: params.ebpf.not_const: \"not_const\" is not a const volatile variable");
  EXPECT_EQ(error_of("params:\n  ebpf:\n    missing:\n      key: x\n", params_.get()),
            "gadget.yaml: params.ebpf.missing: variable \"missing\" not found in eBPF object");
  EXPECT_EQ(error_of("params:\n  ebpf:\n    threshold:\n      description: d\n", params_.get()),
            "gadget.yaml: params.ebpf.threshold: param \"threshold\" has an empty key");
}

TEST_F(MetadataCheck, InvalidYamlGivesLine) {
  std::string error = error_of("name: x\ndatasources:\n  seccomp: [\n", seccomp_.get());
  EXPECT_NE(error.find("gadget.yaml:"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST_F(MetadataCheck, UpdateCreatesEntries) {
  const YAML::Node out = YAML::Load(update_metadata("", "gadget.yaml", params_.get()));
  EXPECT_EQ(out["name"].as<std::string>(), "TODO: Fill the gadget name");
  EXPECT_EQ(out["sourceURL"].as<std::string>(), "TODO: Fill the gadget source code URL");
  EXPECT_EQ(out["datasources"]["values"]["fields"]["timestamp_raw"]["annotations"]["description"]
                .as<std::string>(),
            "TODO: Fill field description");
  EXPECT_TRUE(out["datasources"]["values"]["fields"]["value"]);
  EXPECT_EQ(out["params"]["ebpf"]["threshold"]["key"].as<std::string>(), "threshold");
  EXPECT_EQ(out["params"]["ebpf"]["threshold"]["description"].as<std::string>(),
            "TODO: Fill parameter description");
}

TEST_F(MetadataCheck, UpdatePreservesExistingEntries) {
  const std::string original = test::read(kRepo / "gadget.yaml");
  const std::string updated = update_metadata(original, "gadget.yaml", seccomp_.get());
  const YAML::Node out = YAML::Load(updated);
  EXPECT_EQ(out["name"].as<std::string>(), "audit seccomp");
  auto fields = out["datasources"]["seccomp"]["fields"];
  EXPECT_EQ(fields["code"]["annotations"]["description"].as<std::string>(), "Seccomp return code");
  EXPECT_EQ(fields["code"]["annotations"]["columns.width"].as<int>(), 20);
  EXPECT_EQ(fields["syscall_raw"]["annotations"]["columns.hidden"].as<bool>(), true);
  // members not yet described are added
  EXPECT_EQ(fields["proc"]["annotations"]["description"].as<std::string>(),
            "TODO: Fill field description");
  EXPECT_TRUE(fields["ustack"]);
  EXPECT_TRUE(out["params"]["ebpf"]["targ_comm"]);
  // and the result validates
  EXPECT_NO_THROW(validate_metadata(updated, "gadget.yaml", seccomp_.get()));
}

TEST(WriteFileAtomically, ReplacesContent) {
  test::TempDir dir;
  test::write(dir.path() / "gadget.yaml", "old");
  write_file_atomically(dir.path() / "gadget.yaml", "new\n");
  EXPECT_EQ(test::read(dir.path() / "gadget.yaml"), "new\n");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

}  // namespace
}  // namespace ig::builder
