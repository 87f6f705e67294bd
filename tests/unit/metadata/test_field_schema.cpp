#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <memory>

#include "metadata/field_schema.hpp"
#include "metadata/gadget_metadata.hpp"
#include "util/error.hpp"

namespace ig::metadata {
namespace {

// Compiled from tests/data/metadata/events.bpf.c by clang at build time.
struct BtfDeleter {
  void operator()(btf* b) const { btf__free(b); }
};

std::unique_ptr<btf, BtfDeleter> load_btf() {
  btf* b = btf__parse(IG_TEST_EVENTS_OBJECT, nullptr);
  if (b == nullptr) ADD_FAILURE() << "cannot parse " << IG_TEST_EVENTS_OBJECT;
  return std::unique_ptr<btf, BtfDeleter>(b);
}

const FieldSchema* find(const std::vector<FieldSchema>& fields, const std::string& name) {
  for (const auto& f : fields) {
    if (f.full_name == name) return &f;
  }
  return nullptr;
}

std::vector<std::string> names(const std::vector<FieldSchema>& fields) {
  std::vector<std::string> out;
  for (const auto& f : fields) out.push_back(f.full_name);
  return out;
}

TEST(FieldSchema, AuditSeccompEventFlattensInOrder) {
  auto b = load_btf();
  const auto fields = event_fields(b.get(), "event");
  const std::vector<std::string> expected = {
      "timestamp_raw", "timestamp",
      "proc", "proc.comm", "proc.pid", "proc.tid", "proc.mntns_id",
      "proc.creds", "proc.creds.uid", "proc.creds.user", "proc.creds.gid", "proc.creds.group",
      "proc.parent", "proc.parent.comm", "proc.parent.pid", "proc.parent.tid",
      "syscall_raw", "syscall", "code_raw", "code",
      "ustack", "ustack.major", "ustack.minor", "ustack.inode", "ustack.mtime_sec",
      "ustack.mtime_nsec", "ustack.base_addr_hash", "ustack.stack_id", "ustack.tgid_level0",
      "ustack.pid_level0", "ustack.pidns_level0", "ustack.pid_level1", "ustack.pidns_level1",
      "ustack.otel_correlation_id", "ustack.boot_timestamp"};
  EXPECT_EQ(names(fields), expected);
  for (size_t i = 0; i < fields.size(); ++i) EXPECT_EQ(fields[i].order, static_cast<int>(i));
}

TEST(FieldSchema, OffsetsKindsAndTypeNames) {
  auto b = load_btf();
  const auto fields = event_fields(b.get(), "event");

  const FieldSchema* ts = find(fields, "timestamp_raw");
  ASSERT_NE(ts, nullptr);
  EXPECT_EQ(ts->type_name, "gadget_timestamp");
  EXPECT_EQ(ts->kind, FieldKind::Uint);
  EXPECT_EQ(ts->offset, 0u);
  EXPECT_EQ(ts->size, 8u);

  const FieldSchema* proc = find(fields, "proc");
  ASSERT_NE(proc, nullptr);
  EXPECT_EQ(proc->kind, FieldKind::Struct);
  EXPECT_EQ(proc->type_name, "gadget_process");
  EXPECT_EQ(proc->offset, 8u);
  EXPECT_EQ(proc->depth, 0);

  const FieldSchema* comm = find(fields, "proc.comm");
  ASSERT_NE(comm, nullptr);
  EXPECT_EQ(comm->kind, FieldKind::String);
  EXPECT_EQ(comm->type_name, "gadget_comm");
  EXPECT_EQ(comm->size, 16u);
  EXPECT_EQ(comm->offset, 8u);

  const FieldSchema* pid = find(fields, "proc.pid");
  ASSERT_NE(pid, nullptr);
  EXPECT_EQ(pid->type_name, "gadget_pid");
  EXPECT_EQ(pid->offset, 24u);
  EXPECT_EQ(pid->size, 4u);

  const FieldSchema* uid = find(fields, "proc.creds.uid");
  ASSERT_NE(uid, nullptr);
  EXPECT_EQ(uid->depth, 2);
  EXPECT_EQ(uid->offset, 8u + 16 + 4 + 4 + 8);

  const FieldSchema* code_raw = find(fields, "code_raw");
  ASSERT_NE(code_raw, nullptr);
  EXPECT_EQ(code_raw->kind, FieldKind::Enum);
  EXPECT_EQ(code_raw->type_name, "code");
  EXPECT_EQ(code_raw->size, 4u);
  EXPECT_NE(code_raw->btf_type_id, 0u);

  const FieldSchema* code = find(fields, "code");
  ASSERT_NE(code, nullptr);
  EXPECT_EQ(code->kind, FieldKind::Formatted);
  EXPECT_EQ(code->formatter, Formatter::Enum);
  EXPECT_EQ(code->source, "code_raw");

  const FieldSchema* sys = find(fields, "syscall");
  ASSERT_NE(sys, nullptr);
  EXPECT_EQ(sys->formatter, Formatter::Syscall);
  EXPECT_EQ(sys->source, "syscall_raw");

  const FieldSchema* user = find(fields, "proc.creds.user");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->formatter, Formatter::Uid);
  EXPECT_EQ(user->source, "proc.creds.uid");
}

TEST(FieldSchema, MiscKindsAndRawRules) {
  auto b = load_btf();
  const auto fields = event_fields(b.get(), "misc_event");
  // No _raw suffix on a timestamp: no converter; uid/gid fall back to user/group.
  EXPECT_EQ(find(fields, "timestamp"), nullptr);
  EXPECT_EQ(find(fields, "ts")->kind, FieldKind::Uint);
  EXPECT_EQ(find(fields, "user")->source, "owner");
  EXPECT_EQ(find(fields, "group")->source, "group_id");
  EXPECT_EQ(find(fields, "sig")->formatter, Formatter::Signal);
  EXPECT_EQ(find(fields, "error")->formatter, Formatter::Errno);
  EXPECT_EQ(find(fields, "mode")->formatter, Formatter::FileMode);
  EXPECT_EQ(find(fields, "flags")->formatter, Formatter::FileFlags);
  EXPECT_EQ(find(fields, "size")->formatter, Formatter::Bytes);
  EXPECT_EQ(find(fields, "latency")->formatter, Formatter::Duration);
  EXPECT_EQ(find(fields, "perms")->formatter, Formatter::Enum);

  EXPECT_EQ(find(fields, "name")->kind, FieldKind::String);
  EXPECT_EQ(find(fields, "name")->size, 8u);
  EXPECT_EQ(find(fields, "blob")->kind, FieldKind::Bytes);
  EXPECT_EQ(find(fields, "blob")->size, 4u);
  EXPECT_EQ(find(fields, "delta")->kind, FieldKind::Int);
  EXPECT_EQ(find(fields, "ok")->kind, FieldKind::Bool);
  EXPECT_EQ(find(fields, "offset")->kind, FieldKind::Int);

  // Named union: container plus children at the same offset; anonymous union: flattened.
  const FieldSchema* u = find(fields, "anon_u");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->kind, FieldKind::Struct);
  EXPECT_EQ(find(fields, "anon_u.as_u32")->offset, u->offset);
  EXPECT_EQ(find(fields, "anon_u.as_u16")->kind, FieldKind::Bytes);
  ASSERT_NE(find(fields, "lo"), nullptr);
  EXPECT_EQ(find(fields, "lo")->offset, find(fields, "wide")->offset);

  // Bitfields.
  const FieldSchema* low = find(fields, "low");
  const FieldSchema* high = find(fields, "high");
  ASSERT_NE(low, nullptr);
  ASSERT_NE(high, nullptr);
  EXPECT_EQ(low->bit_size, 4u);
  EXPECT_EQ(high->bit_size, 12u);
  EXPECT_EQ(low->offset * 8 + low->bit_offset + 4, high->offset * 8 + high->bit_offset);

  // "__" members are skipped.
  EXPECT_EQ(find(fields, "__reserved"), nullptr);
}

TEST(FieldSchema, TargetAnnotationsRenameFormattedFields) {
  auto b = load_btf();
  DataSourceMetadata meta;
  meta.fields["ts"].annotations["formatters.timestamp.target"] = "when";
  meta.fields["perms_raw"].annotations["ebpf.formatter.enum"] = "permissions";
  meta.fields["owner"].annotations["uidgidresolver.target"] = "owner_name";
  const auto fields = event_fields(b.get(), "misc_event", &meta);
  ASSERT_NE(find(fields, "when"), nullptr);
  EXPECT_EQ(find(fields, "when")->source, "ts");
  EXPECT_EQ(find(fields, "permissions")->source, "perms_raw");
  EXPECT_EQ(find(fields, "perms"), nullptr);
  EXPECT_EQ(find(fields, "owner_name")->source, "owner");
  EXPECT_EQ(find(fields, "user"), nullptr);
}

TEST(FieldSchema, MissingStructIsNotFound) {
  auto b = load_btf();
  try {
    event_fields(b.get(), "no_such_struct");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_NE(std::string(e.what()).find("no_such_struct"), std::string::npos);
  }
}

TEST(FieldSchema, OperatorFields) {
  EXPECT_TRUE(is_operator_field("runtime.containerName"));
  EXPECT_TRUE(is_operator_field("k8s.owner.kind"));
  EXPECT_TRUE(is_operator_field("ustack.symbols"));
  EXPECT_FALSE(is_operator_field("proc.comm"));
  EXPECT_FALSE(is_operator_field("runtimefoo"));
}

}  // namespace
}  // namespace ig::metadata
