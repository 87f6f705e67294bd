// Event records decoded against BTF: a gadget's ring buffer carries whatever its program
// wrote, so every byte pattern must decode, format and print (columns, JSON, YAML) without
// reading past the record. The first byte picks the data source and output mode; the rest is
// one record, shorter or longer than its struct. dns_event records carry packet bytes after the
// struct (ebpf.rest.*), which the DNS decoder parses.
#include <bpf/btf.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "metadata/gadget_metadata.hpp"
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
  static const char* const kStructs[] = {"event", "misc_event", "packet_event", "dns_event"};
  static const char* const kModes[] = {"columns", "json", "jsonpretty", "yaml"};
  static const ig::metadata::DataSourceMetadata kRest{
      {{"ebpf.rest.name", "data"}, {"ebpf.rest.len", "data_len"}}, {}};
  ig::runner::OutputOptions options;
  options.mode = kModes[data[0] % 4];
  options.kernel_enums = false;
  ig::runner::StringSink sink;
  try {
    const char* structure = kStructs[(data[0] / 4) % 4];
    const bool rest = std::string(structure) == "dns_event";
    ig::runner::EventPipeline pipeline(fixture.btf, "events", {structure}, rest ? &kRest : nullptr,
                                       options, sink);
    pipeline.start();
    pipeline.handle(data + 1, size - 1);
    pipeline.finish();
  } catch (const std::exception&) {
    // A refused record is fine; a crash or a sanitizer report is not.
  }
  return 0;
}
