// The whole text of a /proc or /sys file ("" when it cannot be read: the process or group
// may be gone by now).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace ig::runner::stats {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace ig::runner::stats
