// libFuzzer target: the OCI layout tar reader behind `ig image import`. Any byte string must
// end in ig::Error or a successfully read layout, never in a crash, a leak, a hang or another
// exception type; blobs go to an in-memory target, and every index entry's graph is walked as
// the import walks it.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "oci/archive.hpp"
#include "util/error.hpp"

namespace {

using namespace ig::oci;

// Content-addressed memory; push verifies like the real store does.
class MemoryTarget : public Target {
 public:
  std::unique_ptr<Reader> fetch(const Descriptor& desc) override {
    auto it = blobs_.find(desc.digest);
    if (it == blobs_.end()) throw ig::Error(ig::ErrorCode::NotFound, "blob " + desc.digest.str());
    return make_verifying_reader(make_memory_reader(it->second), desc);
  }
  bool exists(const Descriptor& desc) override {
    auto it = blobs_.find(desc.digest);
    return it != blobs_.end() && static_cast<int64_t>(it->second.size()) == desc.size;
  }
  void push(const Descriptor& expected, Reader& content) override {
    auto verified = make_verifying_reader(borrow_reader(content), expected);
    std::string bytes;
    std::byte buffer[4096];
    while (size_t n = verified->read(buffer)) bytes.append(reinterpret_cast<char*>(buffer), n);
    blobs_[expected.digest] = std::move(bytes);
  }
  Descriptor resolve(const std::string& reference) override {
    throw ig::Error(ig::ErrorCode::NotFound, reference);
  }
  void tag(const Descriptor&, const std::string&) override {}

 private:
  std::map<Digest, std::string> blobs_;
};

void walk(LayoutArchive& archive, const Descriptor& node, std::set<Digest>& seen) {
  if (!seen.insert(node.digest).second || seen.size() > 1000) return;
  if (!is_manifest_type(node.media_type) && !is_index_type(node.media_type)) return;
  std::string content = read_all(archive, node);
  for (const auto& child : successors(node, content)) {
    try {
      walk(archive, child, seen);
    } catch (const ig::Error&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  MemoryTarget blobs;
  ArchiveLimits limits;
  limits.max_total_bytes = 1 << 20;
  limits.max_entries = 1000;
  limits.max_metadata_bytes = 1 << 16;
  LayoutArchive archive("fuzz.tar", blobs, limits);
  try {
    archive.read_memory(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const ig::Error&) {
    return 0;
  }
  std::set<Digest> seen;
  for (const auto& entry : archive.index().manifests) {
    try {
      walk(archive, entry, seen);
    } catch (const ig::Error&) {
    }
  }
  return 0;
}
