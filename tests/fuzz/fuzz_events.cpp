// Event records decoded against BTF: a gadget's ring buffer carries whatever its program
// wrote, so every byte pattern must decode, format and print (columns, JSON, YAML) without
// reading past the record. The first byte picks the data source and output mode; the rest is
// one record, shorter or longer than its struct.
#include <bpf/btf.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "runner/instance/sink.hpp"
#include "runner/pipeline.hpp"

namespace {

struct Fixture {
  struct btf* btf = nullptr;
  Fixture() {
    const char* path = std::getenv("IG_FUZZ_EVENTS_OBJECT");
    btf = btf__parse_elf(path != nullptr ? path : IG_FUZZ_EVENTS_OBJECT, nullptr);
    if (btf == nullptr) std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;
  if (size == 0) return 0;
  static const char* const kStructs[] = {"event", "misc_event", "packet_event"};
  static const char* const kModes[] = {"columns", "json", "jsonpretty", "yaml"};
  ig::runner::OutputOptions options;
  options.mode = kModes[data[0] % 4];
  options.kernel_enums = false;
  ig::runner::StringSink sink;
  try {
    ig::runner::EventPipeline pipeline(fixture.btf, "events", {kStructs[(data[0] / 4) % 3]}, nullptr, options, sink);
    pipeline.start();
    pipeline.handle(data + 1, size - 1);
    pipeline.finish();
  } catch (const std::exception&) {
    // A refused record is fine; a crash or a sanitizer report is not.
  }
  return 0;
}
