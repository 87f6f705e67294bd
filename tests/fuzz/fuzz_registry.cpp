// libFuzzer target: what a registry answers besides content: WWW-Authenticate challenges and
// JSON error bodies. Any byte string must parse or be reported, never crash, leak, hang or
// throw something other than ig::Error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "oci/remote/client.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& challenge : ig::oci::remote::parse_challenges(text)) {
      for (const auto& [key, value] : challenge.params) (void)(key.size() + value.size());
    }
  } catch (const ig::Error&) {
  }
  ig::oci::remote::Response response;
  response.status = 400;
  response.body = std::string(text);
  try {
    (void)ig::oci::remote::describe_error(response);
  } catch (const ig::Error&) {
  }
  return 0;
}
