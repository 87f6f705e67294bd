#include "daemon/event_printer.hpp"

#include "daemon/protocol.hpp"
#include "runner/instance/instance.hpp"
#include "util/error.hpp"

namespace ig::daemon {
namespace {

runner::output::WriterOptions writer_options(const std::string& name, const runner::RunOptions& options) {
  const runner::OutputOptions out = runner::output_options_for(name, options);
  return {out.mode, out.fields, out.terminal_width};
}

Error bad_event(const std::string& label, const std::string& what) {
  return Error(ErrorCode::Network, label + " sent a " + what + " that does not parse");
}

}  // namespace

struct EventPrinter::Printed {
  Printed(const api::DataSource& described, bool fleet, const runner::RunOptions& options,
          runner::Sink& sink)
      : layout(described, fleet),
        writer(layout.table(), described.name(),
               {described.annotations().begin(), described.annotations().end()},
               writer_options(described.name(), options), sink) {
    if (layout.is_array()) {
      writer.set_array();
    } else {
      writer.start();
    }
  }
  wire::RemoteDataSource layout;
  runner::output::DataWriter writer;
  runner::output::Row row;
};

struct EventPrinter::NodeView {
  NodeView(const api::DataSource& described, bool fleet, Printed& printed)
      : layout(described, fleet), printed(printed) {
    for (const auto& f : layout.table().fields()) {
      to_printed.push_back(printed.layout.table().find(f.schema.full_name));
    }
  }
  wire::RemoteDataSource layout;
  Printed& printed;
  std::vector<int> to_printed;  // field index in the printed table, -1 if it has none
  runner::output::Row row;
};

EventPrinter::EventPrinter(const runner::RunOptions& options, runner::Sink& sink, size_t nodes)
    : options_(options), sink_(sink), fleet_(nodes > 1), views_(nodes) {}

EventPrinter::~EventPrinter() = default;

void EventPrinter::handle(size_t node, const std::string& label, const api::GadgetEvent& event) {
  std::lock_guard lock(mutex_);
  if (event.type() == kEventGadgetInfo) {
    api::GadgetInfo info;
    if (!info.ParseFromString(event.payload())) throw bad_event(label, "gadget info");
    describe(node, info);
  } else if (event.type() == kEventPayload) {
    payload(node, label, event);
  } else if (const uint32_t severity = event.type() >> kEventLogShift;
             severity != 0 && severity <= kLogWarning) {
    sink_.warn(fleet_ ? label + ": " + event.payload() : event.payload());
  }
}

void EventPrinter::warn(const std::string& label, const std::string& line) {
  std::lock_guard lock(mutex_);
  sink_.warn(label + ": " + line);
}

void EventPrinter::describe(size_t node, const api::GadgetInfo& info) {
  views_[node].clear();
  for (const auto& ds : info.datasources()) {
    auto& printed = printed_[ds.name()];
    if (!printed) printed = std::make_unique<Printed>(ds, fleet_, options_, sink_);
    views_[node][ds.id()] = std::make_unique<NodeView>(ds, fleet_, *printed);
  }
}

void EventPrinter::payload(size_t node, const std::string& label, const api::GadgetEvent& event) {
  const auto it = views_[node].find(event.datasourceid());
  if (it == views_[node].end()) return;  // no description of it yet
  NodeView& view = *it->second;
  if (view.layout.is_array()) {
    api::GadgetDataArray data;
    if (!data.ParseFromString(event.payload())) throw bad_event(label, "batch of events");
    const std::string& name = data.node().empty() ? label : data.node();
    view.printed.writer.begin_batch();
    for (const auto& element : data.dataarray()) print(view, element, name);
    view.printed.writer.end_batch();
    return;
  }
  api::GadgetData data;
  if (!data.ParseFromString(event.payload())) throw bad_event(label, "event");
  print(view, data.data(), data.node().empty() ? label : data.node());
  view.printed.writer.flush();
}

void EventPrinter::print(NodeView& view, const api::DataElement& element, const std::string& node) {
  view.layout.decode(element, node, view.row);
  Printed& printed = view.printed;
  printed.row.assign(printed.layout.table().fields().size(), {});
  for (size_t i = 0; i < view.row.size(); ++i) {
    if (view.to_printed[i] >= 0) printed.row[view.to_printed[i]] = std::move(view.row[i]);
  }
  printed.writer.row(printed.row);
}

void EventPrinter::finish() {
  std::lock_guard lock(mutex_);
  for (auto& [name, printed] : printed_) printed->writer.flush_now();
}

}  // namespace ig::daemon
