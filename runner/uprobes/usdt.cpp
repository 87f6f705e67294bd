#include "runner/uprobes/usdt.hpp"

#include <gelf.h>
#include <libelf.h>

#include <cstring>
#include <memory>

#include "util/error.hpp"

namespace ig::runner::uprobes {
namespace {

constexpr unsigned kStapsdtNoteType = 3;

struct ElfCloser {
  void operator()(Elf* elf) const { elf_end(elf); }
};

Elf_Scn* section_named(Elf* elf, const char* wanted, GElf_Shdr& header) {
  size_t names = 0;
  if (elf_getshdrstrndx(elf, &names) != 0) return nullptr;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    if (gelf_getshdr(scn, &header) == nullptr) continue;
    const char* name = elf_strptr(elf, names, header.sh_name);
    if (name != nullptr && std::strcmp(name, wanted) == 0) return scn;
  }
  return nullptr;
}

// The file offset of virtual address `addr` (in a loaded segment, executable if asked); 0 if
// no segment holds it.
uint64_t file_offset(Elf* elf, uint64_t addr, bool executable) {
  size_t count = 0;
  if (elf_getphdrnum(elf, &count) != 0) return 0;
  for (size_t i = 0; i < count; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(elf, static_cast<int>(i), &ph) == nullptr || ph.p_type != PT_LOAD) continue;
    if (executable && (ph.p_flags & PF_X) == 0) continue;
    if (addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_memsz) return addr - ph.p_vaddr + ph.p_offset;
  }
  return 0;
}

}  // namespace

std::vector<UsdtLocation> find_usdt(int fd, const std::string& provider, const std::string& name) {
  elf_version(EV_CURRENT);
  std::unique_ptr<Elf, ElfCloser> elf(elf_begin(fd, ELF_C_READ_MMAP, nullptr));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF) throw Error(ErrorCode::InvalidArgument, "not an ELF file");
  const size_t word = gelf_getclass(elf.get()) == ELFCLASS32 ? 4 : 8;
  GElf_Shdr notes_header, base_header;
  Elf_Scn* notes = section_named(elf.get(), ".note.stapsdt", notes_header);
  Elf_Scn* base = section_named(elf.get(), ".stapsdt.base", base_header);
  std::vector<UsdtLocation> found;
  if (notes == nullptr || notes_header.sh_type != SHT_NOTE) return found;
  Elf_Data* data = elf_getdata(notes, nullptr);
  GElf_Nhdr note;
  size_t name_at = 0, desc_at = 0;
  for (size_t at = 0; data != nullptr && (at = gelf_getnote(data, at, &note, &name_at, &desc_at)) != 0;) {
    const char* bytes = static_cast<const char*>(data->d_buf);
    if (note.n_type != kStapsdtNoteType || note.n_descsz < 3 * word + 2 ||
        std::strncmp(bytes + name_at, "stapsdt", note.n_namesz) != 0) {
      continue;
    }
    // pc, base, semaphore, then "provider\0name\0arguments\0".
    uint64_t pc = 0, link_base = 0, semaphore = 0;
    std::memcpy(&pc, bytes + desc_at, word);
    std::memcpy(&link_base, bytes + desc_at + word, word);
    std::memcpy(&semaphore, bytes + desc_at + 2 * word, word);
    const char* strings = bytes + desc_at + 3 * word;
    const size_t left = note.n_descsz - 3 * word;
    const std::string note_provider(strings, strnlen(strings, left));
    if (note_provider.size() + 1 >= left) continue;
    const char* probe = strings + note_provider.size() + 1;
    const std::string note_name(probe, strnlen(probe, left - note_provider.size() - 1));
    if (note_provider != provider || note_name != name) continue;
    // A prelinked file moved its sections: the note's base says by how much.
    if (base != nullptr && link_base != 0) pc += base_header.sh_addr - link_base;
    UsdtLocation location;
    location.offset = file_offset(elf.get(), pc, true);
    if (location.offset == 0) continue;
    if (semaphore != 0) location.semaphore = file_offset(elf.get(), semaphore, false);
    found.push_back(location);
  }
  return found;
}

}  // namespace ig::runner::uprobes
