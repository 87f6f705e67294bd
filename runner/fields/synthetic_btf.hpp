// BTF for data sources that operators fill (operator-only images such as top_process): the
// record a data source decodes is described as a C struct would be, so it goes through the
// same field table, formatters, filter, sort and output as an eBPF gadget's events.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

struct btf;

namespace ig::runner::fields {

struct BtfDeleter {
  void operator()(struct btf* b) const;
};
using BtfPtr = std::unique_ptr<struct btf, BtfDeleter>;

class RecordLayout {
 public:
  explicit RecordLayout(std::string struct_name) : struct_name_(std::move(struct_name)) {}

  // Each returns the member's byte offset; members are naturally aligned, in call order.
  // `type_name` names a typedef between the member and its integer (gadget_mntns_id,
  // gadget_bytes, ...), which is what gives the field its template and formatter.
  size_t add_int(const std::string& name, size_t bytes, bool is_signed, const std::string& type_name = "");
  size_t add_double(const std::string& name);
  size_t add_string(const std::string& name, size_t capacity);  // char[capacity], NUL-terminated

  // The BTF holding the struct (named as given to the constructor).
  BtfPtr build() const;
  const std::string& struct_name() const { return struct_name_; }
  size_t size() const;

 private:
  struct Member {
    std::string name;
    enum class Kind { Int, Double, String } kind;
    size_t bytes;  // size, or a string's capacity
    bool is_signed = false;
    std::string type_name;
    size_t offset;
  };
  size_t append(Member member, size_t align);

  std::string struct_name_;
  std::vector<Member> members_;
  size_t size_ = 0;
};

// Writes into a record laid out by a RecordLayout.
class RecordWriter {
 public:
  explicit RecordWriter(size_t size) : bytes_(size, 0) {}
  void clear() { std::fill(bytes_.begin(), bytes_.end(), 0); }
  template <typename T>
  void put(size_t offset, T value) {
    std::memcpy(bytes_.data() + offset, &value, sizeof value);
  }
  void put_string(size_t offset, size_t capacity, const std::string& value);
  const void* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }

 private:
  std::vector<unsigned char> bytes_;
};

}  // namespace ig::runner::fields
