// The client's side of a run on one or more daemons: their events, printed through the
// runner's own output stage with the local -o and --fields. The first description of a data
// source shapes its table; every daemon's rows are mapped onto it by field name, so nodes of
// different versions still print in one table.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/gadget_service.pb.h"
#include "daemon/wire.hpp"
#include "runner/instance/sink.hpp"
#include "runner/output/data_writer.hpp"
#include "runner/run.hpp"

namespace ig::daemon {

class EventPrinter {
 public:
  // `nodes` daemons take part; with more than one, rows get a k8s.node column and warnings
  // the node's name.
  EventPrinter(const runner::RunOptions& options, runner::Sink& sink, size_t nodes);
  ~EventPrinter();

  // One event of daemon `node` (0 .. nodes-1), named `label` until its events name it. Safe
  // to call from one thread per daemon. Throws Error(Network) for an event that does not parse.
  void handle(size_t node, const std::string& label, const api::GadgetEvent& event);
  // A warning of the client about daemon `label` (it failed, it went away).
  void warn(const std::string& label, const std::string& line);
  // Writes what is still buffered.
  void finish();

 private:
  struct Printed;   // a data source's table and writer
  struct NodeView;  // one daemon's description of a data source, mapped onto the table

  void describe(size_t node, const api::GadgetInfo& info);
  void payload(size_t node, const std::string& label, const api::GadgetEvent& event);
  void print(NodeView& view, const api::DataElement& element, const std::string& node);

  const runner::RunOptions& options_;
  runner::Sink& sink_;
  const bool fleet_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Printed>> printed_;  // by data source name
  std::vector<std::map<uint32_t, std::unique_ptr<NodeView>>> views_;  // per node, by id
};

}  // namespace ig::daemon
