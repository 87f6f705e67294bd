#include <gtest/gtest.h>

#include "metadata/gadget_metadata.hpp"
#include "util/error.hpp"

namespace ig::metadata {
namespace {

// The audit_seccomp gadget.yaml as upstream ships it, plus params in both locations.
constexpr const char* kAuditSeccomp = R"(name: audit seccomp
description: Audit syscalls according to the seccomp profile
homepageURL: https://inspektor-gadget.io/
documentationURL: https://www.inspektor-gadget.io/docs/latest/gadgets/audit_seccomp
sourceURL: https://github.com/inspektor-gadget/inspektor-gadget/tree/main/gadgets/audit_seccomp
annotations:
  io.inspektor-gadget.test: "yes"
datasources:
  seccomp:
    annotations:
      cli.default-output-mode: columns
    fields:
      syscall_raw:
        annotations:
          columns.hidden: true
      syscall:
        annotations:
          columns.width: 20
      code:
        annotations:
          description: Seccomp return code
          columns.width: 20
          columns.ellipsis: start
        tags: [a, b]
      proc.comm:
params:
  ebpf:
    targ_pid:
      key: pid
      defaultValue: "0"
      description: only this pid
ebpfParams:
  targ_pid:
    key: legacy-pid
  targ_comm:
    key: comm
)";

TEST(GadgetMetadata, ParsesAuditSeccomp) {
  const GadgetMetadata m = parse_metadata(kAuditSeccomp, "gadget.yaml");
  EXPECT_EQ(m.name, "audit seccomp");
  EXPECT_EQ(m.homepage_url, "https://inspektor-gadget.io/");
  EXPECT_EQ(m.documentation_url,
            "https://www.inspektor-gadget.io/docs/latest/gadgets/audit_seccomp");
  EXPECT_EQ(m.annotations.at("io.inspektor-gadget.test"), "yes");
  ASSERT_EQ(m.datasources.count("seccomp"), 1u);
  const DataSourceMetadata& ds = m.datasources.at("seccomp");
  EXPECT_EQ(ds.annotations.at("cli.default-output-mode"), "columns");
  EXPECT_EQ(ds.fields.at("syscall_raw").annotations.at("columns.hidden"), "true");
  EXPECT_EQ(ds.fields.at("syscall").annotations.at("columns.width"), "20");
  EXPECT_EQ(ds.fields.at("code").annotations.at("columns.ellipsis"), "start");
  EXPECT_EQ(ds.fields.at("code").tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(ds.fields.at("proc.comm").annotations.empty());
  // params.ebpf wins over the legacy location; legacy-only entries are kept.
  EXPECT_EQ(m.ebpf_params.at("targ_pid").key, "pid");
  EXPECT_EQ(m.ebpf_params.at("targ_pid").default_value, "0");
  EXPECT_EQ(m.ebpf_params.at("targ_comm").key, "comm");
}

TEST(GadgetMetadata, EmptyDocumentIsEmptyMetadata) {
  const GadgetMetadata m = parse_metadata("", "gadget.yaml");
  EXPECT_TRUE(m.name.empty());
  EXPECT_TRUE(m.datasources.empty());
}

TEST(GadgetMetadata, UnknownKeysAreIgnored) {
  const GadgetMetadata m = parse_metadata("name: x\ntracers:\n  foo: {}\n", "gadget.yaml");
  EXPECT_EQ(m.name, "x");
}

std::string error_of(const std::string& yaml) {
  try {
    parse_metadata(yaml, "gadget.yaml");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    return e.what();
  }
  return "no error";
}

TEST(GadgetMetadata, WrongTypeNamesPathAndLine) {
  EXPECT_EQ(error_of("name: x\ndatasources:\n  seccomp:\n    fields: [a, b]\n"),
            "gadget.yaml:4: datasources.seccomp.fields must be a map");
  EXPECT_EQ(error_of("name: [1, 2]\n"), "gadget.yaml:1: name must be a string");
  EXPECT_EQ(error_of("name: x\ndatasources:\n  s:\n    fields:\n      a:\n        annotations:\n"
                     "          columns.width: [1]\n"),
            "gadget.yaml:7: datasources.s.fields.a.annotations.columns.width must be a string");
  EXPECT_EQ(error_of("- a\n- b\n"), "gadget.yaml:1: top level must be a map");
}

TEST(GadgetMetadata, SyntaxErrorHasLine) {
  EXPECT_EQ(error_of("name: x\n  bad: indent\n"), "gadget.yaml:2: illegal map value");
}

}  // namespace
}  // namespace ig::metadata
