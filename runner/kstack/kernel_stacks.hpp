// gadget_kernel_stack fields (spec ig-compat.md §4.3): a stack id in the gadget's ig_kstack map
// becomes the names of its frames from /proc/kallsyms, each followed by "; ", "[unknown]" for
// an address no symbol covers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ig::runner::kstack {

// Text symbols of the running kernel (and its modules), by address.
class KernelSymbols {
 public:
  // Parses kallsyms text ("ffffffff81000000 T _stext", module symbols with " [mod]").
  explicit KernelSymbols(const std::string& kallsyms_text);
  // The function containing `address`, or "" below the first symbol.
  const std::string& lookup(uint64_t address) const;
  size_t size() const { return symbols_.size(); }

 private:
  struct Symbol {
    uint64_t address;
    std::string name;
  };
  std::vector<Symbol> symbols_;  // sorted by address
};

class KernelStacks {
 public:
  // `stack_map_fd`: the gadget's ig_kstack. /proc/kallsyms is read at the first stack.
  explicit KernelStacks(int stack_map_fd, std::string kallsyms_path = "/proc/kallsyms");

  // Appends the frames of stack `stack_id`; nothing when the id is not in the map.
  void append(std::string& out, uint64_t stack_id);

 private:
  int stack_fd_;
  std::string kallsyms_path_;
  std::unique_ptr<KernelSymbols> symbols_;
};

}  // namespace ig::runner::kstack
