#include "runner/fields/synthetic_btf.hpp"

#include <bpf/btf.h>

#include <algorithm>
#include <map>

#include "util/error.hpp"

namespace ig::runner::fields {
namespace {

int checked(int id, const std::string& what) {
  if (id < 0) throw Error(ErrorCode::Internal, "building BTF for " + what + ": error " + std::to_string(id));
  return id;
}

}  // namespace

void BtfDeleter::operator()(struct btf* b) const { btf__free(b); }

size_t RecordLayout::append(Member member, size_t align) {
  size_ = (size_ + align - 1) / align * align;
  member.offset = size_;
  size_ += member.bytes;
  members_.push_back(std::move(member));
  return members_.back().offset;
}

size_t RecordLayout::add_int(const std::string& name, size_t bytes, bool is_signed, const std::string& type_name) {
  return append({name, Member::Kind::Int, bytes, is_signed, type_name, 0}, bytes);
}

size_t RecordLayout::add_double(const std::string& name) {
  return append({name, Member::Kind::Double, 8, false, "", 0}, 8);
}

size_t RecordLayout::add_string(const std::string& name, size_t capacity) {
  return append({name, Member::Kind::String, capacity, false, "", 0}, 1);
}

size_t RecordLayout::size() const { return (size_ + 7) / 8 * 8; }

BtfPtr RecordLayout::build() const {
  BtfPtr btf(btf__new_empty());
  if (!btf) throw Error(ErrorCode::Internal, "building BTF for " + struct_name_ + ": out of memory");
  struct btf* b = btf.get();
  // Types first: btf__add_field appends to the struct added last.
  std::map<std::pair<size_t, bool>, int> ints;
  const auto int_type = [&](size_t bytes, bool is_signed) {
    auto [it, added] = ints.try_emplace({bytes, is_signed}, 0);
    if (added) {
      const std::string name = std::string(is_signed ? "" : "unsigned ") + (bytes == 1 ? "char" : bytes == 2 ? "short" : bytes == 4 ? "int" : "long long");
      it->second = checked(btf__add_int(b, name.c_str(), bytes, is_signed ? BTF_INT_SIGNED : 0), struct_name_);
    }
    return it->second;
  };
  const int chr = checked(btf__add_int(b, "char", 1, BTF_INT_CHAR | BTF_INT_SIGNED), struct_name_);
  const int index = int_type(4, false);
  std::vector<int> types;
  for (const auto& m : members_) {
    int type = 0;
    switch (m.kind) {
      case Member::Kind::Int:
        type = int_type(m.bytes, m.is_signed);
        if (!m.type_name.empty()) type = checked(btf__add_typedef(b, m.type_name.c_str(), type), struct_name_);
        break;
      case Member::Kind::Double:
        type = checked(btf__add_float(b, "double", 8), struct_name_);
        break;
      case Member::Kind::String:
        type = checked(btf__add_array(b, index, chr, static_cast<__u32>(m.bytes)), struct_name_);
        break;
    }
    types.push_back(type);
  }
  checked(btf__add_struct(b, struct_name_.c_str(), static_cast<__u32>(size())), struct_name_);
  for (size_t i = 0; i < members_.size(); ++i) {
    checked(btf__add_field(b, members_[i].name.c_str(), types[i], static_cast<__u32>(members_[i].offset * 8), 0),
            struct_name_ + "." + members_[i].name);
  }
  return btf;
}

void RecordWriter::put_string(size_t offset, size_t capacity, const std::string& value) {
  const size_t n = std::min(value.size(), capacity - 1);
  std::memcpy(bytes_.data() + offset, value.data(), n);
  bytes_[offset + n] = 0;
}

}  // namespace ig::runner::fields
