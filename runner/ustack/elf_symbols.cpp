#include "runner/ustack/elf_symbols.hpp"

#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>

#include <algorithm>
#include <memory>

namespace ig::runner::ustack {
namespace {

struct ElfDeleter {
  void operator()(Elf* e) const { elf_end(e); }
};

}  // namespace

ElfSymbols::ElfSymbols(int fd) {
  // Files come from processes ig does not trust: bound what one may cost.
  constexpr off_t kMaxFileSize = off_t{1} << 30;
  constexpr size_t kMaxSymbols = 2'000'000;
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size > kMaxFileSize) return;
  elf_version(EV_CURRENT);
  std::unique_ptr<Elf, ElfDeleter> elf(elf_begin(fd, ELF_C_READ_MMAP, nullptr));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF) return;

  size_t phnum = 0;
  if (elf_getphdrnum(elf.get(), &phnum) == 0) {
    for (size_t i = 0; i < phnum; ++i) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf.get(), static_cast<int>(i), &ph) && ph.p_type == PT_LOAD) {
        segments_.push_back({ph.p_offset, ph.p_vaddr, ph.p_filesz});
      }
    }
  }

  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf.get(), scn)) != nullptr) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM)) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data || sh.sh_entsize == 0) continue;
    const size_t count = sh.sh_size / sh.sh_entsize;
    for (size_t i = 0; i < count && symbols_.size() < kMaxSymbols; ++i) {
      GElf_Sym sym;
      if (!gelf_getsym(data, static_cast<int>(i), &sym)) continue;
      if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_value == 0 || sym.st_shndx == SHN_UNDEF) {
        continue;
      }
      const char* name = elf_strptr(elf.get(), sh.sh_link, sym.st_name);
      if (!name || !*name) continue;
      symbols_.push_back({sym.st_value, sym.st_size, name});
    }
  }
  // .symtab and .dynsym repeat many symbols: keep one per address (the first, .symtab's,
  // since sections come in file order and .dynsym's aliases are the versioned ones).
  std::stable_sort(symbols_.begin(), symbols_.end(),
                   [](const Symbol& a, const Symbol& b) { return a.address < b.address; });
  symbols_.erase(
      std::unique(symbols_.begin(), symbols_.end(),
                  [](const Symbol& a, const Symbol& b) { return a.address == b.address; }),
      symbols_.end());
}

std::string ElfSymbols::lookup_offset(uint64_t file_offset) const {
  uint64_t vaddr = 0;
  bool mapped = false;
  for (const auto& s : segments_) {
    if (file_offset >= s.offset && file_offset < s.offset + s.filesz) {
      vaddr = file_offset - s.offset + s.vaddr;
      mapped = true;
      break;
    }
  }
  if (!mapped) return {};
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), vaddr,
                             [](uint64_t v, const Symbol& s) { return v < s.address; });
  if (it == symbols_.begin()) return {};
  --it;
  // Sized symbols must contain the address; size-0 ones (hand-written assembly) are taken
  // as reaching up to the next symbol.
  if (it->size != 0 && vaddr >= it->address + it->size) return {};
  return it->name;
}

}  // namespace ig::runner::ustack
