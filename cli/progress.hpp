// The transfer progress of push, pull and copy on a terminal: one line per blob in flight and a
// total line, with rates, redrawn in place at most 10 times a second, replaced by one summary
// line when the transfer ends. Nothing at all is written when the output is not a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "oci/copy.hpp"

namespace ig::cli {

struct BlobProgress {
  std::string digest;  // "sha256:<hex>"
  uint64_t size = 0;
  uint64_t done = 0;
  double seconds = 0;  // since its first byte
};

struct TransferProgress {
  std::vector<BlobProgress> active;  // blobs with bytes moving, in the order they started
  size_t blobs = 0;                  // planned
  size_t blobs_done = 0;
  uint64_t bytes = 0;  // planned
  uint64_t bytes_done = 0;
  double seconds = 0;  // since the plan
};

// "0 B", "999 B", "1.5 KiB", "256.0 MiB", "1.2 GiB".
std::string format_bytes(uint64_t bytes);
// format_bytes per second; "-" before any time has passed.
std::string format_rate(uint64_t bytes, double seconds);
// The lines of one frame, each cut to `width` columns.
std::vector<std::string> render_progress(const TransferProgress& state, size_t width);
// "Transferred 3 blobs (256.0 MiB) in 2.1 s, 121.9 MiB/s"
std::string render_summary(const TransferProgress& state);

class ProgressDisplay {
 public:
  // Draws on `fd` only if it is a terminal.
  explicit ProgressDisplay(int fd);
  // Erases a frame left by a failed transfer (the error follows on its own line).
  ~ProgressDisplay();
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  // Options whose hooks feed this display; one display may follow several copies in a row.
  oci::CopyOptions copy_options(oci::CopyOptions options = {});

 private:
  using Clock = std::chrono::steady_clock;
  struct Blob {
    uint64_t size = 0;
    uint64_t done = 0;
    Clock::time_point started;
    bool copied = false;
    size_t order = 0;
  };

  void planned(const std::vector<oci::Descriptor>& nodes);
  void progressed(const oci::Descriptor& desc, uint64_t transferred);
  void copied(const oci::Descriptor& desc);
  TransferProgress snapshot(Clock::time_point now) const;
  void draw(Clock::time_point now);  // with mutex_ held
  void erase();                      // with mutex_ held
  void write_out(const std::string& text);

  int fd_;
  bool tty_;
  std::mutex mutex_;
  std::map<std::string, Blob> blobs_;
  size_t next_order_ = 0;
  uint64_t bytes_done_ = 0;
  size_t blobs_done_ = 0;
  uint64_t bytes_ = 0;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  size_t lines_on_screen_ = 0;
  bool active_ = false;
};

}  // namespace ig::cli
