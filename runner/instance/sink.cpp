#include "runner/instance/sink.hpp"

namespace ig::runner {

void FileSink::write(std::string_view, std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), out_);
}

void FileSink::flush() { std::fflush(out_); }

void FileSink::warn(std::string_view line) {
  std::fflush(out_);  // a warning follows the output it is about
  std::fprintf(err_, "warning: %.*s\n", static_cast<int>(line.size()), line.data());
}

void StringSink::write(std::string_view, std::string_view text) {
  std::lock_guard lock(mutex_);
  output += text;
}

void StringSink::warn(std::string_view line) {
  std::lock_guard lock(mutex_);
  warnings += line;
  warnings += '\n';
}

}  // namespace ig::runner
