// Upstream's gadget-service encoding of data sources and their events (pkg/datasource): the
// daemon describes each data source's fields in GadgetInfo and sends every event as a
// DataElement of payloads; the client turns both back into a field table and rows, which the
// runner's output writers print exactly as a local run does.
#pragma once

#include <cstdint>
#include <vector>

#include "daemon/gadget_service.pb.h"
#include "runner/fields/field_table.hpp"
#include "runner/output/event_writers.hpp"

namespace ig::daemon::wire {

// DataSource.type
constexpr uint32_t kTypeSingle = 1;
constexpr uint32_t kTypeArray = 2;
// Field.flags
constexpr uint32_t kFieldEmpty = 1u << 0;
constexpr uint32_t kFieldContainer = 1u << 1;
constexpr uint32_t kFieldHidden = 1u << 2;
constexpr uint32_t kFieldHasParent = 1u << 3;
constexpr uint32_t kFieldUnreferenced = 1u << 5;
// DataSource.flags
constexpr uint32_t kDataSourceBigEndian = 1u << 0;

// Describes a local data source: each field with a value gets a payload of its own, numbers
// little-endian at offset 0, texts and bytes as the whole payload.
void describe(const runner::fields::FieldTable& table, api::DataSource& out);

// One row of a data source described by describe().
void encode(const runner::fields::FieldTable& table, const runner::output::Row& row,
            api::DataElement& out);

// A data source as a client sees it, whichever daemon described it (upstream's packs eBPF
// fields at offsets of one payload).
class RemoteDataSource {
 public:
  // Throws Error(Unsupported) for big-endian payloads, Error(InvalidArgument) for a bad
  // annotation value. With `node_field` (a run on several daemons), k8s.node is the first
  // column, filled with the node each event came from where the daemon left it empty.
  explicit RemoteDataSource(const api::DataSource& described, bool node_field = false);

  const runner::fields::FieldTable& table() const { return table_; }
  bool is_array() const { return array_; }
  // Fills `row` (sized to the table); a missing or short payload leaves the value empty.
  void decode(const api::DataElement& element, runner::output::Row& row) const;
  // Same, with the node an event came from for the k8s.node field.
  void decode(const api::DataElement& element, const std::string& node, runner::output::Row& row) const;

 private:
  struct Slot {
    uint32_t payload = 0;
    uint32_t offset = 0;
    uint32_t size = 0;  // 0: to the end of the payload
    api::Kind kind = api::Invalid;
  };

  std::vector<Slot> slots_;  // by table field index
  bool adds_node_ = false;   // the client fills k8s.node where the daemon left it empty
  int node_index_ = -1;
  runner::fields::FieldTable table_;
  bool array_ = false;
};

}  // namespace ig::daemon::wire
