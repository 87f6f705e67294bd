// Gadget operators: the stages of a running gadget instance (image, eBPF, containers, stacks,
// output), each owning one concern from instantiation to release. The instance calls them in
// the order it declares (instance.cpp) at every step.
#pragma once

#include <chrono>
#include <string_view>

namespace ig::runner {

class GadgetInstance;
class GadgetProgram;

class GadgetOperator {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr Clock::time_point kNever = Clock::time_point::max();

  virtual ~GadgetOperator() = default;
  virtual std::string_view name() const = 0;

  // Before anything is loaded: read the image, take its flags, declare data sources.
  virtual void instantiate(GadgetInstance&) {}
  // One load attempt of the object, before load (it may still be configured), after load
  // (maps exist, programs not attached) and when the attempt is released. The eBPF operator
  // makes several attempts when it falls back from fentry to kprobe.
  virtual void configure(GadgetInstance&, GadgetProgram&) {}
  virtual void loaded(GadgetInstance&, GadgetProgram&) {}
  virtual void unloaded(GadgetInstance&) {}
  // Fills the instance's enrichers (container lookup, selection) for the data sources: after
  // each load, or once at start for an image without an eBPF program.
  virtual void enrich(GadgetInstance&) {}
  // Programs are attached: events may flow.
  virtual void start(GadgetInstance&) {}
  // Work that is due at `now`; returns when it wants to run again.
  virtual Clock::time_point tick(GadgetInstance&, Clock::time_point) { return kNever; }
  // Whether the instance must go on without a timeout (a stream to read, fetches to make).
  virtual bool has_work() const { return false; }
  // Waits up to `timeout_ms` for its own input and handles it; false if it has none to wait on.
  virtual bool wait(int) { return false; }
  // The run ends: last reads first (in declared order), output summaries last.
  virtual void stop(GadgetInstance&) {}
};

}  // namespace ig::runner
