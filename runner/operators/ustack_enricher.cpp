#include "runner/operators/data_operators.hpp"
#include "runner/ustack/symbolizer.hpp"

namespace ig::runner::operators {
namespace {

using metadata::FieldKind;

struct UstackFields {
  int stack_id, tgid, inode, base_addr_hash;  // inputs (BTF members)
  int addresses, symbols, buildid;            // operator outputs
};

class UstackEnricher : public DataOperator {
 public:
  UstackEnricher(std::vector<UstackFields> stacks, const EventEnrichers& enrichers)
      : stacks_(std::move(stacks)), enrichers_(enrichers) {}

  std::string_view name() const override { return "ustack"; }

  bool on_event(output::Row& row) override {
    if (!enrichers_.ustack) return true;
    for (const auto& u : stacks_) {
      ustack::StackRef ref;
      ref.stack_id = static_cast<uint32_t>(row[u.stack_id].u);
      ref.tgid = static_cast<uint32_t>(row[u.tgid].u);
      ref.inode = row[u.inode].u;
      ref.base_addr_hash = static_cast<uint32_t>(row[u.base_addr_hash].u);
      enrichers_.ustack->resolve(ref, row[u.addresses].s, row[u.symbols].s, row[u.buildid].s);
    }
    return true;
  }

 private:
  std::vector<UstackFields> stacks_;
  const EventEnrichers& enrichers_;
};

}  // namespace

std::unique_ptr<DataOperator> make_ustack_enricher(const fields::FieldTable& table,
                                                   const EventEnrichers& enrichers) {
  std::vector<UstackFields> stacks;
  for (const auto& f : table.fields()) {
    if (f.schema.type_name != "gadget_user_stack" || f.schema.kind != FieldKind::Struct) continue;
    const std::string& p = f.schema.full_name;
    UstackFields u{table.find(p + ".stack_id"),  table.find(p + ".tgid_level0"),
                   table.find(p + ".inode"),     table.find(p + ".base_addr_hash"),
                   table.find(p + ".addresses"), table.find(p + ".symbols"),
                   table.find(p + ".buildid")};
    if (u.stack_id >= 0 && u.tgid >= 0 && u.inode >= 0 && u.base_addr_hash >= 0 &&
        u.addresses >= 0 && u.symbols >= 0 && u.buildid >= 0) {
      stacks.push_back(u);
    }
  }
  if (stacks.empty()) return nullptr;
  return std::make_unique<UstackEnricher>(std::move(stacks), enrichers);
}

}  // namespace ig::runner::operators
