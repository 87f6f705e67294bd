// libFuzzer target: gadget.yaml as an image's metadata layer carries it. Any byte string must
// end in ig::Error (naming the source) or parsed metadata, never in a crash, a leak, a hang or
// a yaml-cpp exception escaping.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "metadata/gadget_metadata.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    ig::metadata::parse_metadata(std::string_view(reinterpret_cast<const char*>(data), size), "gadget.yaml");
  } catch (const ig::Error&) {
  }
  return 0;
}
