// The daemon's encoding of data sources and events, checked the way users see it: a run
// printed by a remote client (describe, encode, protobuf bytes, decode, the client's writer)
// must print exactly what the same run prints locally, in every output mode.
#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <regex>

#include "daemon/wire.hpp"
#include "metadata/gadget_metadata.hpp"
#include "runner/instance/sink.hpp"
#include "runner/output/data_writer.hpp"
#include "runner/pipeline.hpp"
#include "util/error.hpp"

namespace ig::daemon {
namespace {

struct BtfDeleter {
  void operator()(struct btf* b) const { btf__free(b); }
};

// What the daemon's sink receives with -o rows.
class RowsSink : public runner::StringSink {
 public:
  bool takes_rows() const override { return true; }
  void rows(std::string_view, std::span<const runner::output::Row> rows) override {
    received.insert(received.end(), rows.begin(), rows.end());
  }
  std::vector<runner::output::Row> received;
};

constexpr const char* kYaml = R"(name: wire test
datasources:
  events:
    fields:
      syscall_raw:
        annotations:
          columns.hidden: true
      code:
        annotations:
          columns.width: 20
          columns.ellipsis: start
      name:
        annotations:
          columns.alignment: right
          columns.hex: true
)";

api::Field* add_field(api::DataSource& ds, const std::string& full_name, api::Kind kind,
                      uint32_t payload, uint32_t offset, uint32_t size, uint32_t flags = 0) {
  api::Field* f = ds.add_fields();
  f->set_fullname(full_name);
  f->set_name(full_name.substr(full_name.rfind('.') + 1));
  f->set_kind(kind);
  f->set_payloadindex(payload);
  f->set_offs(offset);
  f->set_size(size);
  f->set_flags(flags);
  f->set_order(ds.fields_size());
  return f;
}

class WireTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    btf_.reset(btf__parse(IG_TEST_EVENTS_OBJECT, nullptr));
    ASSERT_NE(btf_, nullptr);
    meta_ = metadata::parse_metadata(kYaml, "gadget.yaml").datasources.at("events");
  }

  runner::OutputOptions options(const std::string& mode) {
    runner::OutputOptions o;
    o.mode = mode;
    o.kernel_enums = false;
    return o;
  }

  // Records of `struct_name` filled with seeded random bytes: every kind of value, long
  // strings without their NUL, invalid UTF-8, negative numbers.
  std::vector<std::vector<unsigned char>> records(const std::string& struct_name, size_t count) {
    const int id = btf__find_by_name_kind(btf_.get(), struct_name.c_str(), BTF_KIND_STRUCT);
    const size_t size = static_cast<size_t>(btf__resolve_size(btf_.get(), static_cast<uint32_t>(id)));
    std::mt19937 random(42);
    std::vector<std::vector<unsigned char>> out(count, std::vector<unsigned char>(size));
    for (auto& r : out) {
      for (auto& byte : r) byte = static_cast<unsigned char>(random());
    }
    return out;
  }

  std::string local_output(const std::string& struct_name, const std::string& mode,
                           const std::vector<std::vector<unsigned char>>& recs) {
    runner::StringSink sink;
    runner::EventPipeline p(btf_.get(), "events", {struct_name}, &meta_, options(mode), sink);
    p.start();
    for (const auto& r : recs) p.handle(r.data(), r.size());
    p.finish();
    return sink.output;
  }

  std::string remote_output(const std::string& struct_name, const std::string& mode,
                            const std::vector<std::vector<unsigned char>>& recs) {
    RowsSink daemon_sink;
    runner::EventPipeline p(btf_.get(), "events", {struct_name}, &meta_, options("rows"), daemon_sink);
    api::DataSource described;
    described.set_name("events");
    wire::describe(p.table(), described);
    p.start();
    for (const auto& r : recs) p.handle(r.data(), r.size());
    p.finish();
    EXPECT_EQ(daemon_sink.received.size(), recs.size());
    EXPECT_EQ(daemon_sink.output, "");  // -o rows writes no text

    api::DataSource client_view;
    EXPECT_TRUE(client_view.ParseFromString(described.SerializeAsString()));
    wire::RemoteDataSource source(client_view);
    runner::StringSink client_sink;
    runner::output::DataWriter writer(source.table(), "events", meta_.annotations, {mode, {}, 0},
                                      client_sink);
    writer.start();
    runner::output::Row row;
    for (const auto& sent : daemon_sink.received) {
      api::DataElement element;
      wire::encode(p.table(), sent, element);
      api::DataElement received;
      EXPECT_TRUE(received.ParseFromString(element.SerializeAsString()));
      source.decode(received, row);
      writer.row(row);
    }
    writer.flush_now();
    return client_sink.output;
  }

  // Boot-time timestamps print as wall-clock time, whose offset each pipeline reads anew.
  static std::string without_timestamps(const std::string& output) {
    static const std::regex wall_clock(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z)");
    static const std::regex raw(R"((timestamp_raw"?:\s*)\d+)");
    return std::regex_replace(std::regex_replace(output, wall_clock, "TIME"), raw, "$1N");
  }

  std::unique_ptr<struct btf, BtfDeleter> btf_;
  metadata::DataSourceMetadata meta_;
};

TEST_P(WireTest, RemoteOutputOfSeccompEventsEqualsTheLocalOne) {
  const auto recs = records("event", 20);
  const std::string local = without_timestamps(local_output("event", GetParam(), recs));
  ASSERT_FALSE(local.empty());
  EXPECT_EQ(without_timestamps(remote_output("event", GetParam(), recs)), local);
}

TEST_P(WireTest, RemoteOutputOfEveryFieldKindEqualsTheLocalOne) {
  const auto recs = records("misc_event", 20);
  const std::string local = local_output("misc_event", GetParam(), recs);
  ASSERT_FALSE(local.empty());
  EXPECT_EQ(remote_output("misc_event", GetParam(), recs), local);
}

// A run on several daemons prints kubectl-gadget's columns first.
TEST_F(WireTest, FleetViewShowsTheKubernetesColumnsFirst) {
  RowsSink unused;
  runner::EventPipeline p(btf_.get(), "events", {"event"}, &meta_, options("rows"), unused);
  api::DataSource described;
  wire::describe(p.table(), described);
  wire::RemoteDataSource fleet(described, true);
  const auto& table = fleet.table();
  std::vector<std::string> first;
  for (int i : table.default_columns()) first.push_back(table.fields()[i].schema.full_name);
  first.resize(5);
  EXPECT_EQ(first, (std::vector<std::string>{"k8s.node", "k8s.namespace", "k8s.podName",
                                             "k8s.containerName", "proc.comm"}));
  // The daemon's node name wins; where it sent none, the client's name for it.
  api::DataElement element;
  wire::encode(p.table(), runner::output::Row(p.table().fields().size()), element);
  runner::output::Row row;
  fleet.decode(element, "tcp://10.0.0.2:7443", row);
  EXPECT_EQ(row[table.find("k8s.node")].s, "tcp://10.0.0.2:7443");
  runner::output::Row sent(p.table().fields().size());
  sent[p.table().find("k8s.node")].s = "node2";
  element.Clear();
  wire::encode(p.table(), sent, element);
  fleet.decode(element, "tcp://10.0.0.2:7443", row);
  EXPECT_EQ(row[table.find("k8s.node")].s, "node2");
}

TEST(WireDecodeTest, FleetViewAddsTheNodeToADaemonWithoutOne) {
  api::DataSource ds;
  add_field(ds, "comm", api::String, 0, 0, 0);
  wire::RemoteDataSource fleet(ds, true);
  api::DataElement element;
  element.add_payload("sh");
  runner::output::Row row;
  fleet.decode(element, "node7", row);
  EXPECT_EQ(row[fleet.table().find("k8s.node")].s, "node7");
  EXPECT_EQ(row[fleet.table().find("comm")].s, "sh");
  EXPECT_EQ(fleet.table().fields()[fleet.table().default_columns().front()].schema.full_name, "k8s.node");
}

INSTANTIATE_TEST_SUITE_P(Modes, WireTest, ::testing::Values("columns", "json", "jsonpretty", "yaml"));

// Upstream's daemon sends an eBPF struct as one payload with its fields at their offsets, C
// strings at their full array size, and operator fields in payloads of their own.
TEST(WireDecodeTest, UpstreamLayoutsDecode) {
  api::DataSource ds;
  ds.set_name("exec");
  add_field(ds, "proc", api::Invalid, 0, 0, 0, wire::kFieldEmpty | wire::kFieldContainer);
  add_field(ds, "proc.comm", api::CString, 0, 0, 16, wire::kFieldHasParent);
  add_field(ds, "proc.pid", api::Uint32, 0, 16, 4, wire::kFieldHasParent);
  add_field(ds, "delta", api::Int16, 0, 20, 2);
  add_field(ds, "runtime.containerName", api::String, 1, 0, 0);
  add_field(ds, "replaced", api::String, 1, 0, 0, wire::kFieldUnreferenced);
  add_field(ds, "missing", api::Uint64, 7, 0, 8);
  (*add_field(ds, "hidden_raw", api::Uint8, 0, 22, 1, wire::kFieldHidden)->mutable_annotations())["description"] = "raw";

  std::string packed(23, '\0');
  std::memcpy(packed.data(), "sh\0garbage", 10);
  packed[16] = 0x39;  // 12345 little-endian
  packed[17] = 0x30;
  packed[20] = static_cast<char>(0xfe);  // -2
  packed[21] = static_cast<char>(0xff);
  packed[22] = 7;
  api::DataElement element;
  element.add_payload(packed);
  element.add_payload("web");

  wire::RemoteDataSource source(ds);
  // The unreferenced field is left out, a "runtime" container added.
  ASSERT_EQ(source.table().fields().size(), 8u);
  runner::output::Row row;
  source.decode(element, row);
  const auto& table = source.table();
  EXPECT_EQ(row[table.find("proc.comm")].s, "sh");
  EXPECT_EQ(row[table.find("proc.pid")].u, 12345u);
  EXPECT_EQ(row[table.find("delta")].i, -2);
  EXPECT_EQ(row[table.find("runtime.containerName")].s, "web");
  EXPECT_EQ(row[table.find("missing")].u, 0u);  // no such payload: left empty
  EXPECT_EQ(row[table.find("hidden_raw")].u, 7u);
  EXPECT_TRUE(table.fields()[table.find("hidden_raw")].hidden);
  EXPECT_EQ(table.fields()[table.find("proc.pid")].parent, table.find("proc"));

  runner::StringSink sink;
  runner::output::DataWriter writer(table, "exec", {}, {"json", {}, 0}, sink);
  writer.row(row);
  writer.flush_now();
  EXPECT_EQ(sink.output,
            "{\"delta\":-2,\"hidden_raw\":7,\"missing\":0,\"proc\":{\"comm\":\"sh\",\"pid\":12345},"
            "\"runtime\":{\"containerName\":\"web\"}}\n");
}

TEST(WireDecodeTest, ShortPayloadsLeaveValuesEmpty) {
  api::DataSource ds;
  add_field(ds, "pid", api::Uint32, 0, 2, 4);
  add_field(ds, "comm", api::CString, 0, 40, 16);
  api::DataElement element;
  element.add_payload(std::string(4, '\x01'));  // pid would end at byte 6
  wire::RemoteDataSource source(ds);
  runner::output::Row row;
  source.decode(element, row);
  EXPECT_EQ(row[0].u, 0u);
  EXPECT_EQ(row[1].s, "");
}

TEST(WireDecodeTest, BigEndianDataSourcesAreRefused) {
  api::DataSource ds;
  ds.set_name("exec");
  ds.set_flags(wire::kDataSourceBigEndian);
  EXPECT_THROW(wire::RemoteDataSource{ds}, Error);
}

}  // namespace
}  // namespace ig::daemon
