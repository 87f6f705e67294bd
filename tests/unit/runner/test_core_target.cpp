// The CO-RE target of network gadgets: struct gadget_socket_value as the socket enricher
// fills it, so that gadgets' relocations land on its fields and the optional ones read as
// absent.
#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <string>

#include "runner/network/core_target.hpp"

namespace ig::runner::network {
namespace {

struct BtfDeleter {
  void operator()(struct btf* btf) const { btf__free(btf); }
};

// Offset in bytes of member `name` of struct `type_id`, or -1.
long member_offset(const struct btf* btf, int type_id, const std::string& name) {
  const struct btf_type* t = btf__type_by_id(btf, type_id);
  const struct btf_member* m = btf_members(t);
  for (int i = 0; i < btf_vlen(t); ++i, ++m) {
    if (name == btf__name_by_offset(btf, m->name_off)) return btf_member_bit_offset(t, i) / 8;
  }
  return -1;
}

TEST(CoreTarget, SocketValueHasTheEnrichersLayoutAndNoOptionalFields) {
  std::unique_ptr<struct btf, BtfDeleter> btf(btf__new_empty());
  add_socket_value_type(btf.get());
  const int id = btf__find_by_name_kind(btf.get(), "gadget_socket_value", BTF_KIND_STRUCT);
  ASSERT_GT(id, 0);
  EXPECT_EQ(btf__resolve_size(btf.get(), id), 88);
  EXPECT_EQ(member_offset(btf.get(), id, "mntns"), 0);
  EXPECT_EQ(member_offset(btf.get(), id, "task"), 24);
  EXPECT_EQ(member_offset(btf.get(), id, "ptask"), 40);
  EXPECT_EQ(member_offset(btf.get(), id, "deletion_timestamp"),
            static_cast<long>(offsetof(SocketValue, deletion_timestamp)));
  EXPECT_EQ(member_offset(btf.get(), id, "ipv6only"), 80);
  EXPECT_EQ(member_offset(btf.get(), id, "cwd"), -1);
  EXPECT_EQ(member_offset(btf.get(), id, "exepath"), -1);
}

// The kernel's types stay: relocations of the gadget's other accesses still resolve.
TEST(CoreTarget, KeepsTheKernelsTypes) {
  CoreTarget target;  // throws without /sys/kernel/btf/vmlinux: that must fail, not skip
  std::unique_ptr<struct btf, BtfDeleter> btf(btf__parse(target.path().c_str(), nullptr));
  ASSERT_NE(btf, nullptr) << target.path();
  EXPECT_GT(btf__find_by_name_kind(btf.get(), "task_struct", BTF_KIND_STRUCT), 0);
  EXPECT_GT(btf__find_by_name_kind(btf.get(), "gadget_socket_value", BTF_KIND_STRUCT), 0);
}

}  // namespace
}  // namespace ig::runner::network
