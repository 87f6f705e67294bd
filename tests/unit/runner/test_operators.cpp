// Data operators (sort, limiter, their flags) and the array path of a data source through them
// to a sink.
#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "metadata/field_schema.hpp"
#include "runner/fields/field_table.hpp"
#include "runner/instance/sink.hpp"
#include "runner/operators/data_operators.hpp"
#include "runner/pipeline.hpp"
#include "util/error.hpp"

namespace ig::runner {
namespace {

struct BtfDeleter {
  void operator()(struct btf* b) const { btf__free(b); }
};

class OperatorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    btf_.reset(btf__parse(IG_TEST_EVENTS_OBJECT, nullptr));
    ASSERT_NE(btf_, nullptr);
    table_.emplace(btf_.get(), "event", nullptr);
    pid_ = table_->find("proc.pid");
    comm_ = table_->find("proc.comm");
    ASSERT_GE(pid_, 0);
    ASSERT_GE(comm_, 0);
  }

  output::Row row(uint64_t pid, const std::string& comm) {
    output::Row r(table_->fields().size());
    r[pid_].u = pid;
    r[comm_].s = comm;
    return r;
  }

  std::vector<std::string> comms(const std::vector<output::Row>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r[comm_].s);
    return out;
  }

  std::unique_ptr<struct btf, BtfDeleter> btf_;
  std::optional<fields::FieldTable> table_;
  int pid_ = -1;
  int comm_ = -1;
};

TEST_F(OperatorsTest, SortsByTheFirstKeyThenTheNextAndKeepsTiesInOrder) {
  auto sort = operators::make_sort(*table_, "-proc.pid,proc.comm");
  ASSERT_NE(sort, nullptr);
  std::vector<output::Row> rows = {row(1, "b"), row(7, "z"), row(1, "a"), row(7, "c"),
                                   row(3, "x"), row(3, "x")};
  rows[4][table_->find("proc.tid")].u = 1;  // tells the two equal rows apart
  sort->on_batch(rows);
  EXPECT_EQ(comms(rows), (std::vector<std::string>{"c", "z", "x", "x", "a", "b"}));
  EXPECT_EQ(rows[2][table_->find("proc.tid")].u, 1u);  // stable
}

TEST_F(OperatorsTest, SortNamesAFieldItCannotUse) {
  try {
    operators::make_sort(*table_, "pid,-nosuch");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "--sort: field \"nosuch\" not found");
  }
  EXPECT_THROW(operators::make_sort(*table_, "proc"), Error);  // a struct, not a value
  EXPECT_EQ(operators::make_sort(*table_, ""), nullptr);
}

TEST(SortFlag, AppliesToEveryArrayOrToTheNamedOnes) {
  const std::vector<std::string> arrays = {"files", "procs"};
  EXPECT_EQ(operators::sort_by_datasource("-reads,comm", arrays),
            (std::map<std::string, std::string>{{"files", "-reads,comm"}, {"procs", "-reads,comm"}}));
  EXPECT_EQ(operators::sort_by_datasource("procs:-cpu;files:name", arrays),
            (std::map<std::string, std::string>{{"files", "name"}, {"procs", "-cpu"}}));
  EXPECT_TRUE(operators::sort_by_datasource("", arrays).empty());
  EXPECT_THROW(operators::sort_by_datasource("procs:-cpu;name", arrays), Error);
  EXPECT_THROW(operators::sort_by_datasource("events:comm", arrays), Error);
}

TEST(MaxEntriesFlag, ParsesOneValueOrOnePerDataSource) {
  const std::vector<std::string> arrays = {"files", "procs"};
  EXPECT_TRUE(operators::max_entries_by_datasource("-1", arrays).empty());
  EXPECT_EQ(operators::max_entries_by_datasource("5", arrays),
            (std::map<std::string, size_t>{{"files", 5}, {"procs", 5}}));
  EXPECT_EQ(operators::max_entries_by_datasource("procs:3,files:-1", arrays),
            (std::map<std::string, size_t>{{"procs", 3}}));
  EXPECT_THROW(operators::max_entries_by_datasource("", arrays), Error);
  EXPECT_THROW(operators::max_entries_by_datasource("-2", arrays), Error);
  EXPECT_THROW(operators::max_entries_by_datasource("ten", arrays), Error);
  EXPECT_THROW(operators::max_entries_by_datasource("procs:3,4", arrays), Error);
  EXPECT_THROW(operators::max_entries_by_datasource("events:3", arrays), Error);
}

TEST_F(OperatorsTest, LimiterKeepsTheFirstRows) {
  auto limit = operators::make_limit(2);
  std::vector<output::Row> rows = {row(1, "a"), row(2, "b"), row(3, "c")};
  limit->on_batch(rows);
  EXPECT_EQ(comms(rows), (std::vector<std::string>{"a", "b"}));
  std::vector<output::Row> few = {row(1, "a")};
  limit->on_batch(few);
  EXPECT_EQ(few.size(), 1u);
}

// A record of struct `event` with just a pid and a comm.
std::vector<unsigned char> record(const struct btf* b, uint32_t pid, const std::string& comm) {
  std::vector<unsigned char> bytes(
      btf__resolve_size(b, btf__find_by_name_kind(b, "event", BTF_KIND_STRUCT)), 0);
  for (const auto& f : metadata::event_fields(b, "event")) {
    if (f.full_name == "proc.pid") std::memcpy(bytes.data() + f.offset, &pid, sizeof pid);
    if (f.full_name == "proc.comm") std::memcpy(bytes.data() + f.offset, comm.data(), comm.size());
  }
  return bytes;
}

// An array data source: each batch is sorted and cut before it reaches the sink, as one JSON
// array per batch.
TEST_F(OperatorsTest, ArrayBatchReachesTheSinkSortedAndCut) {
  OutputOptions options;
  options.mode = "json";
  options.kernel_enums = false;
  options.sort = "-proc.pid";
  options.max_entries = 2;
  StringSink sink;
  EventPipeline pipeline(btf_.get(), "procs", {"event"}, nullptr, options, sink);
  pipeline.set_array();
  pipeline.start();
  pipeline.begin_batch();
  for (uint32_t pid : {4u, 9u, 1u, 6u}) {
    const auto r = record(btf_.get(), pid, "p" + std::to_string(pid));
    pipeline.handle(r.data(), r.size());
  }
  pipeline.end_batch();
  pipeline.finish();
  const auto batch = nlohmann::json::parse(sink.output);
  ASSERT_EQ(batch.size(), 2u) << sink.output;
  EXPECT_EQ(batch[0]["proc"]["pid"], 9);
  EXPECT_EQ(batch[1]["proc"]["pid"], 6);
  EXPECT_TRUE(sink.warnings.empty());
}

TEST_F(OperatorsTest, LostEventsAreWarningsOfTheSink) {
  OutputOptions options;
  options.kernel_enums = false;
  StringSink sink;
  EventPipeline pipeline(btf_.get(), "events", {"event"}, nullptr, options, sink);
  pipeline.start();
  pipeline.report_lost(3);
  pipeline.finish();
  EXPECT_EQ(sink.warnings, "lost 3 events\nlost 3 events in total\n");
}

}  // namespace
}  // namespace ig::runner
