// The sink of a gadget instance the daemon runs for a client: rows become upstream's
// GadgetData (GadgetDataArray for array data sources) payload events, warnings log events.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>

#include "daemon/gadget_service.pb.h"
#include "runner/instance/sink.hpp"

namespace ig::runner {
class GadgetInstance;
namespace fields {
class FieldTable;
}
}  // namespace ig::runner

namespace ig::daemon {

class RemoteSink : public runner::Sink {
 public:
  // `send` takes each event, `droppable` when losing it under back-pressure is acceptable.
  // It may be called from several threads at once.
  using Send = std::function<void(api::GadgetEvent event, bool droppable)>;
  // `node` names the daemon's node in every event (GadgetData.node).
  RemoteSink(Send send, std::string node) : send_(std::move(send)), node_(std::move(node)) {}

  // The instance's GadgetInfo (data sources numbered in their order); rows of those data
  // sources can be sent from now on.
  api::GadgetInfo describe(runner::GadgetInstance& instance);
  // The same as the event a run sends first.
  api::GadgetEvent info_event(runner::GadgetInstance& instance);

  void write(std::string_view, std::string_view) override {}  // -o rows writes no text
  void flush() override {}
  void warn(std::string_view line) override;
  bool takes_rows() const override { return true; }
  void rows(std::string_view datasource, std::span<const runner::output::Row> rows) override;

 private:
  struct Source {
    uint32_t id;
    const runner::fields::FieldTable* table;
    bool array;
  };
  Send send_;
  std::string node_;
  std::map<std::string, Source, std::less<>> sources_;
  std::atomic<uint32_t> seq_{0};
};

}  // namespace ig::daemon
