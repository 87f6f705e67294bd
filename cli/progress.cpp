#include "cli/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace ig::cli {

namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr size_t kBarWidth = 20;
constexpr size_t kLabelWidth = 19;  // "sha256:" and 12 hex digits
constexpr size_t kDefaultWidth = 80;

std::string pad_right(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string pad_left(const std::string& s, size_t width) {
  return s.size() < width ? std::string(width - s.size(), ' ') + s : s;
}

std::string bar(uint64_t done, uint64_t size) {
  size_t filled = size == 0 ? kBarWidth : static_cast<size_t>(std::min(done, size) * kBarWidth / size);
  std::string out(filled, '=');
  if (filled < kBarWidth) out += '>';
  return "[" + pad_right(out, kBarWidth) + "]";
}

std::string line(const std::string& label, uint64_t done, uint64_t size, double seconds, size_t width) {
  std::string text = pad_right(label, kLabelWidth) + " " + bar(done, size) + " " +
                     pad_left(format_bytes(done), 9) + " / " + pad_right(format_bytes(size), 9) + " " +
                     pad_left(format_rate(done, seconds), 12);
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (text.size() > width) text.resize(width);
  return text;
}

double seconds_between(std::chrono::steady_clock::time_point from, std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

std::string format_bytes(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", value, units[unit]);
  return buf;
}

std::string format_rate(uint64_t bytes, double seconds) {
  if (seconds <= 0) return "-";
  return format_bytes(static_cast<uint64_t>(static_cast<double>(bytes) / seconds)) + "/s";
}

std::vector<std::string> render_progress(const TransferProgress& state, size_t width) {
  std::vector<std::string> out;
  for (const auto& b : state.active) {
    // "sha256:" and the first 12 hex digits, as docker shows layer ids.
    out.push_back(line(b.digest.substr(0, kLabelWidth), b.done, b.size, b.seconds, width));
  }
  std::string label = "total " + std::to_string(state.blobs_done) + "/" + std::to_string(state.blobs);
  out.push_back(line(label, state.bytes_done, state.bytes, state.seconds, width));
  return out;
}

std::string render_summary(const TransferProgress& state) {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f s", state.seconds);
  return "Transferred " + std::to_string(state.blobs_done) + (state.blobs_done == 1 ? " blob (" : " blobs (") +
         format_bytes(state.bytes_done) + ") in " + secs + ", " +
         format_rate(state.bytes_done, state.seconds);
}

ProgressDisplay::ProgressDisplay(int fd) : fd_(fd), tty_(::isatty(fd) == 1) {}

ProgressDisplay::~ProgressDisplay() {
  std::lock_guard lock(mutex_);
  erase();
}

oci::CopyOptions ProgressDisplay::copy_options(oci::CopyOptions options) {
  if (!tty_) return options;
  options.on_planned = [this](const std::vector<oci::Descriptor>& nodes) { planned(nodes); };
  options.on_progress = [this](const oci::Descriptor& d, uint64_t n) { progressed(d, n); };
  auto previous = options.on_copied;
  options.on_copied = [this, previous](const oci::Descriptor& d) {
    copied(d);
    if (previous) previous(d);
  };
  return options;
}

void ProgressDisplay::planned(const std::vector<oci::Descriptor>& nodes) {
  std::lock_guard lock(mutex_);
  erase();
  blobs_.clear();
  next_order_ = 0;
  bytes_done_ = 0;
  blobs_done_ = 0;
  bytes_ = 0;
  for (const auto& n : nodes) {
    blobs_[n.digest.str()].size = static_cast<uint64_t>(n.size);
    bytes_ += static_cast<uint64_t>(n.size);
  }
  start_ = Clock::now();
  last_draw_ = {};
  // A copy that finds everything in place shows nothing.
  active_ = !nodes.empty();
}

void ProgressDisplay::progressed(const oci::Descriptor& desc, uint64_t transferred) {
  std::lock_guard lock(mutex_);
  auto it = blobs_.find(desc.digest.str());
  if (!active_ || it == blobs_.end()) return;
  Blob& b = it->second;
  auto now = Clock::now();
  if (b.done == 0) {
    b.started = now;
    b.order = next_order_++;
  }
  if (transferred > b.done) {
    bytes_done_ += transferred - b.done;
    b.done = transferred;
  }
  if (now - last_draw_ >= kRedrawInterval) draw(now);
}

void ProgressDisplay::copied(const oci::Descriptor& desc) {
  std::lock_guard lock(mutex_);
  auto it = blobs_.find(desc.digest.str());
  if (!active_ || it == blobs_.end() || it->second.copied) return;
  it->second.copied = true;
  ++blobs_done_;
  if (blobs_done_ < blobs_.size()) return;
  // The last node is stored: the frame gives way to one summary line.
  erase();
  write_out(render_summary(snapshot(Clock::now())) + "\n");
  active_ = false;
}

TransferProgress ProgressDisplay::snapshot(Clock::time_point now) const {
  TransferProgress s;
  std::vector<std::pair<size_t, BlobProgress>> active;
  for (const auto& [digest, b] : blobs_) {
    if (b.copied || b.done == 0) continue;
    active.push_back({b.order, BlobProgress{digest, b.size, b.done, seconds_between(b.started, now)}});
  }
  std::sort(active.begin(), active.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& a : active) s.active.push_back(std::move(a.second));
  s.blobs = blobs_.size();
  s.blobs_done = blobs_done_;
  s.bytes = bytes_;
  s.bytes_done = bytes_done_;
  s.seconds = seconds_between(start_, now);
  return s;
}

void ProgressDisplay::draw(Clock::time_point now) {
  last_draw_ = now;
  size_t width = kDefaultWidth;
  winsize ws{};
  if (::ioctl(fd_, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1) width = ws.ws_col;
  // One column short of the edge, so no line wraps and the cursor arithmetic holds.
  auto lines = render_progress(snapshot(now), width - 1);
  std::string out;
  if (lines_on_screen_ > 0) out += "\x1b[" + std::to_string(lines_on_screen_) + "F";
  for (const auto& l : lines) out += "\x1b[2K" + l + "\n";
  if (lines.size() < lines_on_screen_) out += "\x1b[J";
  lines_on_screen_ = lines.size();
  write_out(out);
}

void ProgressDisplay::erase() {
  if (lines_on_screen_ == 0) return;
  write_out("\x1b[" + std::to_string(lines_on_screen_) + "F\x1b[J");
  lines_on_screen_ = 0;
}

void ProgressDisplay::write_out(const std::string& text) {
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd_, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a display that cannot be written is not worth failing the transfer
    off += static_cast<size_t>(n);
  }
}

}  // namespace ig::cli
