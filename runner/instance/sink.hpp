// Where a gadget instance's output goes. `ig run` writes to its stdout and stderr; a daemon or
// a test gives its own sink. No stage of the runner writes to stdout by itself.
#pragma once

#include <cstdio>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "runner/output/event_writers.hpp"

namespace ig::runner {

class Sink {
 public:
  virtual ~Sink() = default;
  // Formatted output of data source `datasource` (whole lines, in the -o mode).
  virtual void write(std::string_view datasource, std::string_view text) = 0;
  // Output written so far must reach the reader now (end of a poll batch, a warning next).
  virtual void flush() = 0;
  // One warning line without "warning: " or the newline, e.g. "lost 3 events". May be called
  // from another thread than the run's.
  virtual void warn(std::string_view line) = 0;
  // Whether the sink takes rows as values (-o rows: a daemon encodes them for its client)
  // instead of formatted text.
  virtual bool takes_rows() const { return false; }
  // -o rows: one event of a stream, or a whole batch of an array data source.
  virtual void rows(std::string_view /*datasource*/, std::span<const output::Row> /*rows*/) {}
};

// Output to one stream, warnings to another as "warning: LINE".
class FileSink : public Sink {
 public:
  FileSink(std::FILE* out, std::FILE* err) : out_(out), err_(err) {}
  void write(std::string_view datasource, std::string_view text) override;
  void flush() override;
  void warn(std::string_view line) override;

 private:
  std::FILE* out_;
  std::FILE* err_;
};

// Keeps everything in memory: tests, and callers that forward output elsewhere. Warnings may
// come from another thread (the container watcher); read the members once the run is over.
class StringSink : public Sink {
 public:
  void write(std::string_view datasource, std::string_view text) override;
  void flush() override {}
  void warn(std::string_view line) override;
  std::string output;    // every write, in order
  std::string warnings;  // one "LINE\n" per warning

 private:
  std::mutex mutex_;
};

}  // namespace ig::runner
