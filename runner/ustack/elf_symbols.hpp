// Function symbols of one ELF file (.symtab, else/also .dynsym), looked up by file offset so
// that PIE executables and shared libraries mapped anywhere resolve the same way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ig::runner::ustack {

class ElfSymbols {
 public:
  // Reads the symbols of the ELF open on `fd` (the fd is not kept). An unreadable or non-ELF
  // file gives an empty table, never an error: its frames print as addresses.
  explicit ElfSymbols(int fd);

  // Name of the function containing the byte at `file_offset` of the file, or "" if none.
  std::string lookup_offset(uint64_t file_offset) const;
  size_t size() const { return symbols_.size(); }

 private:
  struct Symbol {
    uint64_t address;
    uint64_t size;
    std::string name;
  };
  struct Segment {
    uint64_t offset;
    uint64_t vaddr;
    uint64_t filesz;
  };
  std::vector<Symbol> symbols_;    // sorted by address
  std::vector<Segment> segments_;  // PT_LOAD
};

}  // namespace ig::runner::ustack
