#include "runner/kstack/kernel_stacks.hpp"

#include <bpf/bpf.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace ig::runner::kstack {
namespace {

constexpr size_t kMaxDepth = 127;  // GADGET_KERNEL_MAX_STACK_DEPTH

}  // namespace

KernelSymbols::KernelSymbols(const std::string& kallsyms_text) {
  std::istringstream lines(kallsyms_text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string address, type, name;
    if (!(fields >> address >> type >> name) || type.size() != 1) continue;
    // Functions only: text (t/T) and weak (w/W) symbols.
    const char t = type[0];
    if (t != 't' && t != 'T' && t != 'w' && t != 'W') continue;
    uint64_t value = 0;
    try {
      value = std::stoull(address, nullptr, 16);
    } catch (const std::exception&) {
      continue;
    }
    if (value == 0) continue;  // addresses hidden (kptr_restrict): nothing to resolve with
    symbols_.push_back({value, std::move(name)});
  }
  std::stable_sort(symbols_.begin(), symbols_.end(),
                   [](const Symbol& a, const Symbol& b) { return a.address < b.address; });
}

const std::string& KernelSymbols::lookup(uint64_t address) const {
  static const std::string kNone;
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), address,
                             [](uint64_t a, const Symbol& s) { return a < s.address; });
  if (it == symbols_.begin()) return kNone;
  return std::prev(it)->name;
}

KernelStacks::KernelStacks(int stack_map_fd, std::string kallsyms_path)
    : stack_fd_(stack_map_fd), kallsyms_path_(std::move(kallsyms_path)) {}

void KernelStacks::append(std::string& out, uint64_t stack_id) {
  if (stack_fd_ < 0 || stack_id > UINT32_MAX) return;
  const uint32_t key = static_cast<uint32_t>(stack_id);
  uint64_t ips[kMaxDepth] = {};
  if (bpf_map_lookup_elem(stack_fd_, &key, ips) != 0) return;
  if (!symbols_) {
    std::ifstream in(kallsyms_path_);
    std::ostringstream text;
    text << in.rdbuf();
    symbols_ = std::make_unique<KernelSymbols>(text.str());
  }
  for (uint64_t ip : ips) {
    if (ip == 0) break;
    const std::string& name = symbols_->lookup(ip);
    out += name.empty() ? "[unknown]" : name;
    out += "; ";
  }
}

}  // namespace ig::runner::kstack
