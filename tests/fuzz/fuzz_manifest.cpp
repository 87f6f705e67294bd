// libFuzzer target: what a registry or an archive hands us as JSON (image manifests, indexes)
// and the image references users and annotations give. Any byte string must end in ig::Error
// or a parsed value, never in a crash, a leak, a hang or another exception type.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oci/descriptor.hpp"
#include "oci/reference.hpp"
#include "util/error.hpp"

namespace {

template <typename F>
void expect_value_or_error(F&& parse) {
  try {
    parse();
  } catch (const ig::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  expect_value_or_error([&] { ig::oci::parse_manifest(text); });
  expect_value_or_error([&] { ig::oci::parse_index(text); });
  expect_value_or_error([&] { ig::oci::parse_reference(text); });
  return 0;
}
