// Micro-benchmarks of the per-event path of `ig run`: one realistic raw record through
// EventPipeline::handle() in each output mode, with the buffered output flushed to /dev/null
// every kFlushEvery events as the run loop does after each poll batch.
//
// Records: trace_fchmodat (tests/e2e/gadgets: timestamp, gadget_process with creds and parent,
// mode, dfd, a 256-byte path; 17 fields plus formatted ones) and the bench/events getpgid
// gadget (timestamp, pid, tid, comm, arg). "decode" is the columns mode restricted to one
// numeric column: decoding every member and running every formatter, almost no text.
#include <benchmark/benchmark.h>
#include <bpf/btf.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "metadata/btf_markers.hpp"
#include "metadata/gadget_metadata.hpp"
#include "runner/fields/field_table.hpp"
#include "runner/instance/sink.hpp"
#include "runner/pipeline.hpp"

namespace {

using ig::runner::EventPipeline;
using ig::runner::OutputOptions;

constexpr int kFlushEvery = 256;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Gadget {
  std::unique_ptr<struct btf, void (*)(struct btf*)> btf{nullptr, btf__free};
  ig::metadata::GadgetMetadata meta;
  ig::metadata::TracerMarker tracer;
  std::vector<unsigned char> record;

  Gadget(const std::string& name, const std::string& yaml) {
    const std::string object = std::string(IG_MICRO_OBJECT_DIR) + "/" + name + ".bpf.o";
    btf.reset(btf__parse(object.c_str(), nullptr));
    if (!btf) throw std::runtime_error("cannot read BTF of " + object);
    meta = ig::metadata::parse_metadata(read_file(yaml), yaml);
    tracer = ig::metadata::discover_markers(btf.get()).tracers.at(0);
    const int id = btf__find_by_name_kind(btf.get(), tracer.struct_name.c_str(), BTF_KIND_STRUCT);
    record.assign(static_cast<size_t>(btf__resolve_size(btf.get(), static_cast<uint32_t>(id))), 0);
  }

  const ig::metadata::DataSourceMetadata* ds() const {
    const auto it = meta.datasources.find(tracer.name);
    return it == meta.datasources.end() ? nullptr : &it->second;
  }

  // Writes `value` (its first `size` bytes, host order) into the member `field`.
  void set(const std::string& field, const void* value, size_t size) {
    ig::runner::fields::FieldTable table(btf.get(), tracer.struct_name, ds());
    const int index = table.find(field);
    if (index < 0) throw std::runtime_error("no field " + field);
    const auto& s = table.fields()[index].schema;
    std::memcpy(record.data() + s.offset, value, std::min<size_t>(size, s.size));
  }
  void set_u64(const std::string& field, uint64_t v) { set(field, &v, sizeof v); }
  void set_u32(const std::string& field, uint32_t v) { set(field, &v, sizeof v); }
  void set_str(const std::string& field, const std::string& v) { set(field, v.c_str(), v.size() + 1); }
};

Gadget& fchmodat() {
  static Gadget g = [] {
    Gadget g("fchmodat", IG_MICRO_FCHMODAT_YAML);
    g.set_u64("timestamp_raw", 1234567890123ULL);
    g.set_str("proc.comm", "chmod");
    g.set_u32("proc.pid", 41234);
    g.set_u32("proc.tid", 41234);
    g.set_u64("proc.mntns_id", 4026531841ULL);
    g.set_u32("proc.creds.uid", 1000);
    g.set_u32("proc.creds.gid", 1000);
    g.set_str("proc.parent.comm", "bash");
    g.set_u32("proc.parent.pid", 40001);
    g.set_u32("proc.parent.tid", 40001);
    g.set_u32("mode", 0644);
    g.set_u32("dfd", static_cast<uint32_t>(-100));
    g.set_str("filename", "/home/user/projects/inspektor-gadget/build/output/report.txt");
    return g;
  }();
  return g;
}

Gadget& getpgid() {
  static Gadget g = [] {
    Gadget g("getpgid", IG_MICRO_GETPGID_YAML);
    g.set_u64("timestamp_raw", 1234567890123ULL);
    g.set_u32("pid", 41234);
    g.set_u32("tid", 41235);
    g.set_str("comm", "ig_bench_genera");
    g.set_u64("arg", 0x40000000ULL + 12345);
    return g;
  }();
  return g;
}

void run(benchmark::State& state, Gadget& g, const std::string& mode,
         std::vector<std::string> fields = {}) {
  std::FILE* devnull = std::fopen("/dev/null", "w");
  OutputOptions options;
  options.mode = mode;
  options.fields = std::move(fields);
  options.kernel_enums = false;
  {
    ig::runner::FileSink sink(devnull, stderr);
    EventPipeline pipeline(g.btf.get(), g.tracer, g.ds(), options, sink);
    pipeline.start();
    int pending = 0;
    for (auto _ : state) {
      pipeline.handle(g.record.data(), g.record.size());
      if (++pending == kFlushEvery) {
        pipeline.flush();
        pending = 0;
      }
    }
    pipeline.finish();
  }
  std::fclose(devnull);
  state.SetItemsProcessed(state.iterations());
}

void BM_FchmodatDecode(benchmark::State& s) { run(s, fchmodat(), "columns", {"mode"}); }
void BM_FchmodatColumns(benchmark::State& s) { run(s, fchmodat(), "columns"); }
void BM_FchmodatJson(benchmark::State& s) { run(s, fchmodat(), "json"); }
void BM_FchmodatJsonPretty(benchmark::State& s) { run(s, fchmodat(), "jsonpretty"); }
void BM_FchmodatYaml(benchmark::State& s) { run(s, fchmodat(), "yaml"); }
void BM_GetpgidDecode(benchmark::State& s) { run(s, getpgid(), "columns", {"pid"}); }
void BM_GetpgidColumns(benchmark::State& s) { run(s, getpgid(), "columns"); }
void BM_GetpgidJson(benchmark::State& s) { run(s, getpgid(), "json"); }
void BM_GetpgidYaml(benchmark::State& s) { run(s, getpgid(), "yaml"); }

BENCHMARK(BM_FchmodatDecode);
BENCHMARK(BM_FchmodatColumns);
BENCHMARK(BM_FchmodatJson);
BENCHMARK(BM_FchmodatJsonPretty);
BENCHMARK(BM_FchmodatYaml);
BENCHMARK(BM_GetpgidDecode);
BENCHMARK(BM_GetpgidColumns);
BENCHMARK(BM_GetpgidJson);
BENCHMARK(BM_GetpgidYaml);

}  // namespace

BENCHMARK_MAIN();
