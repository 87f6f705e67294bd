#include "metadata/object_info.hpp"

#include <bpf/btf.h>
#include <gelf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "util/error.hpp"

namespace ig::metadata {
namespace {

constexpr size_t kInsnSize = 8;
constexpr uint8_t kCall = BPF_JMP | BPF_CALL;
constexpr uint8_t kLoadImm64 = BPF_LD | BPF_IMM | BPF_DW;

struct ElfCloser {
  void operator()(Elf* e) const { elf_end(e); }
};

struct Section {
  std::string name;
  GElf_Shdr header{};
  const unsigned char* bytes = nullptr;  // null for SHT_NOBITS
  size_t size = 0;
};

struct Symbol {
  std::string name;
  GElf_Sym sym{};
};

struct Insn {
  uint8_t code;
  uint8_t dst;
  uint8_t src;
  int32_t imm;
};

Insn insn_at(const Section& s, size_t index) {
  const unsigned char* p = s.bytes + index * kInsnSize;
  int32_t imm;
  std::memcpy(&imm, p + 4, sizeof imm);
  return {p[0], static_cast<uint8_t>(p[1] & 0x0f), static_cast<uint8_t>(p[1] >> 4), imm};
}

bool is_data_section(const std::string& name) {
  for (const char* prefix : {".data", ".rodata", ".bss"}) {
    const size_t n = std::strlen(prefix);
    if (name.compare(0, n, prefix) == 0 && (name.size() == n || name[n] == '.')) return true;
  }
  return false;
}

// bpf_map_*_elem and bpf_perf_event_output, with the register holding the map.
struct MapHelper {
  const char* label;
  int map_register;
};

const MapHelper* map_helper(int32_t id) {
  static const std::map<int32_t, MapHelper> helpers = {
      {BPF_FUNC_map_lookup_elem, {"Lookup", 1}},
      {BPF_FUNC_map_update_elem, {"Update", 1}},
      {BPF_FUNC_map_delete_elem, {"Delete", 1}},
      {BPF_FUNC_map_push_elem, {"Push", 1}},
      {BPF_FUNC_map_pop_elem, {"Pop", 1}},
      {BPF_FUNC_map_peek_elem, {"Peek", 1}},
      {BPF_FUNC_map_lookup_percpu_elem, {"LookupPercpu", 1}},
      {BPF_FUNC_perf_event_output, {"EventOutput", 2}},
  };
  auto it = helpers.find(id);
  return it == helpers.end() ? nullptr : &it->second;
}

// The map type of each BTF-defined map: `__uint(type, X)` is a member `type` pointing to an
// array of X elements.
std::map<std::string, uint32_t> btf_map_types(const Section* btf_section) {
  std::map<std::string, uint32_t> types;
  if (!btf_section || !btf_section->bytes) return types;
  struct btf* btf = btf__new(btf_section->bytes, btf_section->size);
  if (!btf) return types;
  std::unique_ptr<struct btf, void (*)(struct btf*)> owner(btf, btf__free);
  const int sec_id = btf__find_by_name_kind(btf, ".maps", BTF_KIND_DATASEC);
  if (sec_id < 0) return types;
  const struct btf_type* sec = btf__type_by_id(btf, sec_id);
  const struct btf_var_secinfo* info = btf_var_secinfos(sec);
  for (uint16_t i = 0; i < btf_vlen(sec); ++i, ++info) {
    const struct btf_type* var = btf__type_by_id(btf, info->type);
    const std::string name = btf__name_by_offset(btf, var->name_off);
    const struct btf_type* def = btf__type_by_id(btf, btf__resolve_type(btf, var->type));
    if (!def || !btf_is_struct(def)) continue;
    const struct btf_member* member = btf_members(def);
    for (uint16_t m = 0; m < btf_vlen(def); ++m, ++member) {
      if (std::strcmp(btf__name_by_offset(btf, member->name_off), "type") != 0) continue;
      const struct btf_type* ptr = btf__type_by_id(btf, member->type);
      if (!ptr || !btf_is_ptr(ptr)) break;
      const struct btf_type* array = btf__type_by_id(btf, ptr->type);
      if (array && btf_is_array(array)) types[name] = btf_array(array)->nelems;
      break;
    }
  }
  return types;
}

class ObjectReader {
 public:
  explicit ObjectReader(const std::string& elf) : image_(elf.begin(), elf.end()) {
    elf_version(EV_CURRENT);
    elf_.reset(elf_memory(image_.data(), image_.size()));
    GElf_Ehdr ehdr;
    if (!elf_ || elf_kind(elf_.get()) != ELF_K_ELF || !gelf_getehdr(elf_.get(), &ehdr) ||
        ehdr.e_machine != EM_BPF) {
      throw Error(ErrorCode::InvalidArgument, "the image's eBPF layer is not a BPF ELF object");
    }
    read_sections();
    read_symbols();
    read_relocations();
  }

  ObjectInfo describe() {
    ObjectInfo info;
    for (const auto& s : sections_) info.sections.push_back(s.name);
    read_maps(info);
    read_variables(info);
    read_programs(info);
    return info;
  }

 private:
  // A function: its section and its instruction range there.
  struct Function {
    size_t section = 0;
    size_t begin = 0;
    size_t end = 0;
  };

  void read_sections() {
    size_t shstrndx = 0;
    if (elf_getshdrstrndx(elf_.get(), &shstrndx) != 0) {
      throw Error(ErrorCode::InvalidArgument, "the image's eBPF object has no section names");
    }
    size_t count = 0;
    elf_getshdrnum(elf_.get(), &count);
    sections_.resize(count);
    for (size_t i = 0; i < count; ++i) {
      Elf_Scn* scn = elf_getscn(elf_.get(), i);
      Section& s = sections_[i];
      if (!scn || !gelf_getshdr(scn, &s.header)) continue;
      const char* name = elf_strptr(elf_.get(), shstrndx, s.header.sh_name);
      s.name = name ? name : "";
      if (s.header.sh_type == SHT_NOBITS) continue;
      if (Elf_Data* data = elf_getdata(scn, nullptr)) {
        s.bytes = static_cast<const unsigned char*>(data->d_buf);
        s.size = data->d_size;
      }
    }
  }

  void read_symbols() {
    for (size_t i = 0; i < sections_.size(); ++i) {
      if (sections_[i].header.sh_type != SHT_SYMTAB) continue;
      Elf_Data* data = elf_getdata(elf_getscn(elf_.get(), i), nullptr);
      const size_t count = data ? data->d_size / sizeof(Elf64_Sym) : 0;
      for (size_t n = 0; n < count; ++n) {
        Symbol s;
        if (!gelf_getsym(data, static_cast<int>(n), &s.sym)) continue;
        const char* name = elf_strptr(elf_.get(), sections_[i].header.sh_link, s.sym.st_name);
        s.name = name ? name : "";
        symbols_.push_back(std::move(s));
      }
      break;
    }
    for (const auto& s : symbols_) {
      if (GELF_ST_TYPE(s.sym.st_info) != STT_FUNC || s.sym.st_shndx >= sections_.size()) continue;
      functions_[s.name] = {s.sym.st_shndx, s.sym.st_value / kInsnSize,
                            (s.sym.st_value + s.sym.st_size) / kInsnSize};
    }
  }

  bool executable(size_t section) const {
    return section < sections_.size() && sections_[section].bytes &&
           (sections_[section].header.sh_flags & SHF_EXECINSTR);
  }

  std::string function_at(size_t section, size_t index) const {
    for (const auto& [name, f] : functions_) {
      if (f.section == section && f.begin == index) return name;
    }
    return {};
  }

  // What each relocated instruction refers to, as cilium/ebpf names it: the map, the data
  // section, the function, or the extern.
  void read_relocations() {
    for (size_t i = 0; i < sections_.size(); ++i) {
      const Section& rel = sections_[i];
      const size_t target = rel.header.sh_info;
      if (rel.header.sh_type != SHT_REL || !executable(target)) continue;
      Elf_Data* data = elf_getdata(elf_getscn(elf_.get(), i), nullptr);
      const size_t count = data ? data->d_size / sizeof(Elf64_Rel) : 0;
      for (size_t n = 0; n < count; ++n) {
        GElf_Rel r;
        if (!gelf_getrel(data, static_cast<int>(n), &r)) continue;
        const size_t sym_index = GELF_R_SYM(r.r_info);
        const size_t at = r.r_offset / kInsnSize;
        if (sym_index >= symbols_.size() || (at + 1) * kInsnSize > sections_[target].size) continue;
        const Symbol& sym = symbols_[sym_index];
        const size_t sym_section = sym.sym.st_shndx;
        std::string ref;
        if (sym_section < sections_.size() && sections_[sym_section].name == ".maps") {
          ref = sym.name;
        } else if (sym_section < sections_.size() && is_data_section(sections_[sym_section].name)) {
          ref = sections_[sym_section].name;
        } else if (executable(sym_section)) {
          const Insn insn = insn_at(sections_[target], at);
          const size_t base = sym.sym.st_value / kInsnSize;
          const size_t callee =
              insn.code == kCall ? base + insn.imm + 1 : base + insn.imm / kInsnSize;
          ref = function_at(sym_section, callee);
        } else {
          ref = sym.name;  // extern: kfunc or ksym
        }
        if (!ref.empty()) references_[{target, at}] = ref;
      }
    }
  }

  std::string reference(size_t section, size_t index) const {
    auto it = references_.find({section, index});
    if (it != references_.end()) return it->second;
    // A call within its own section needs no relocation: the offset is relative.
    const Insn insn = insn_at(sections_[section], index);
    if (insn.code == kCall && insn.src == BPF_PSEUDO_CALL) {
      return function_at(section, index + insn.imm + 1);
    }
    return {};
  }

  void read_maps(ObjectInfo& info) {
    const Section* btf = nullptr;
    for (const auto& s : sections_) {
      if (s.name == ".BTF") btf = &s;
    }
    const auto types = btf_map_types(btf);
    for (const auto& s : symbols_) {
      const size_t section = s.sym.st_shndx;
      if (section >= sections_.size() || sections_[section].name != ".maps" || s.name.empty() ||
          GELF_ST_TYPE(s.sym.st_info) == STT_SECTION) {
        continue;
      }
      auto type = types.find(s.name);
      info.maps.push_back({s.name, type == types.end() ? 0u : type->second});
    }
    for (const auto& s : sections_) {
      if (is_data_section(s.name)) info.maps.push_back({s.name, BPF_MAP_TYPE_ARRAY});
    }
    std::sort(info.maps.begin(), info.maps.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
  }

  void read_variables(ObjectInfo& info) {
    for (const auto& s : symbols_) {
      const size_t section = s.sym.st_shndx;
      const int bind = GELF_ST_BIND(s.sym.st_info);
      const int type = GELF_ST_TYPE(s.sym.st_info);
      if (section >= sections_.size() || !is_data_section(sections_[section].name) ||
          (bind != STB_GLOBAL && bind != STB_WEAK) ||
          GELF_ST_VISIBILITY(s.sym.st_other) == STV_HIDDEN || s.name.empty() || s.name[0] == '.' ||
          type == STT_SECTION || type == STT_FUNC) {
        continue;
      }
      info.variables.push_back({s.name, s.sym.st_value, s.sym.st_size, sections_[section].name});
    }
    std::sort(info.variables.begin(), info.variables.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
  }

  // Upstream's walk (pkg/utils/ebpf2graph): through the program and then the functions it
  // references (breadth first), remember which map or function each register was last loaded
  // with, and name the map in R1 (R2 for bpf_perf_event_output) at each map helper call. Moves
  // between registers are not followed, as upstream does not.
  std::vector<MapAccess> accesses(const std::string& program) const {
    std::vector<MapAccess> out;
    std::array<std::string, 11> last_reference;
    std::vector<std::string> pending{program};
    std::set<std::string> linked;
    for (size_t next = 0; next < pending.size(); ++next) {
      auto f = functions_.find(pending[next]);
      if (f == functions_.end() || !linked.insert(pending[next]).second) continue;
      const Section& section = sections_[f->second.section];
      const size_t end = std::min(f->second.end, section.size / kInsnSize);
      for (size_t i = f->second.begin; i < end; ++i) {
        const Insn insn = insn_at(section, i);
        if (insn.code == kCall && insn.src == 0 && insn.dst == 0) {
          if (const MapHelper* helper = map_helper(insn.imm)) {
            const std::string& map = last_reference[helper->map_register];
            MapAccess access{map, helper->label};
            if (!map.empty() && std::find(out.begin(), out.end(), access) == out.end()) {
              out.push_back(std::move(access));
            }
          }
        }
        std::string ref = reference(f->second.section, i);
        if (!ref.empty()) {
          if (functions_.count(ref)) pending.push_back(ref);
          if (insn.dst < last_reference.size()) last_reference[insn.dst] = std::move(ref);
        }
        if (insn.code == kLoadImm64) ++i;  // two slots
      }
    }
    return out;
  }

  void read_programs(ObjectInfo& info) {
    for (const auto& [name, f] : functions_) {
      const std::string& section = sections_[f.section].name;
      if (!executable(f.section) || section == ".text") continue;
      info.programs.push_back({name, section, accesses(name)});
    }
    // functions_ is ordered by name already.
  }

  std::vector<char> image_;
  std::unique_ptr<Elf, ElfCloser> elf_;
  std::vector<Section> sections_;
  std::vector<Symbol> symbols_;
  std::map<std::string, Function> functions_;
  std::map<std::pair<size_t, size_t>, std::string> references_;  // (section, insn) -> name
};

bool hidden_in_diagrams(const std::string& map) { return map == ".rodata" || map == ".bss"; }

}  // namespace

ObjectInfo describe_object(const std::string& elf) { return ObjectReader(elf).describe(); }

std::string map_type_name(uint32_t type) {
  static const char* const kNames[] = {
      "UnspecifiedMap",
      "Hash",
      "Array",
      "ProgramArray",
      "PerfEventArray",
      "PerCPUHash",
      "PerCPUArray",
      "StackTrace",
      "CGroupArray",
      "LRUHash",
      "LRUCPUHash",
      "LPMTrie",
      "ArrayOfMaps",
      "HashOfMaps",
      "DevMap",
      "SockMap",
      "CPUMap",
      "XSKMap",
      "SockHash",
      "CGroupStorage",
      "ReusePortSockArray",
      "PerCPUCGroupStorage",
      "Queue",
      "Stack",
      "SkStorage",
      "DevMapHash",
      "StructOpsMap",
      "RingBuf",
      "InodeStorage",
      "TaskStorage",
      "BloomFilter",
      "UserRingbuf",
      "CgroupStorage",
      "Arena",
  };
  if (type < std::size(kNames)) return kNames[type];
  return "MapType(" + std::to_string(type) + ")";
}

std::string flowchart(const ObjectInfo& info) {
  std::string out = "flowchart LR\n";
  for (const auto& m : info.maps) {
    if (!hidden_in_diagrams(m.name)) out += m.name + "[(\"" + m.name + "\")]\n";
  }
  static const char* const kMerged[] = {"Lookup", "Update", "Delete"};
  for (const auto& p : info.programs) {
    std::vector<bool> shown(p.accesses.size(), false);
    for (size_t i = 0; i < p.accesses.size(); ++i) {
      if (shown[i]) continue;
      const MapAccess& a = p.accesses[i];
      std::string label = a.label;
      // Lookup, Update and Delete of one map make one edge, at the first of them.
      if (std::find(std::begin(kMerged), std::end(kMerged), a.label) != std::end(kMerged)) {
        std::vector<size_t> same;
        for (const char* verb : kMerged) {
          for (size_t j = i; j < p.accesses.size(); ++j) {
            if (!shown[j] && p.accesses[j].map == a.map && p.accesses[j].label == verb) {
              same.push_back(j);
            }
          }
        }
        if (same.size() > 1) {
          label.clear();
          for (size_t j : same) {
            label += (label.empty() ? "" : "+") + p.accesses[j].label;
            shown[j] = true;
          }
        }
      }
      shown[i] = true;
      out += p.name + " -- \"" + label + "\" --> " + a.map + "\n";
    }
    out += p.name + "[\"" + p.name + "\"]\n";
  }
  return out;
}

std::string sequence_diagram(const ObjectInfo& info) {
  std::string out = "sequenceDiagram\nbox eBPF Programs\n";
  for (const auto& p : info.programs) out += "participant " + p.name + "\n";
  out += "end\nbox eBPF Maps\n";
  std::set<std::string> listed;
  for (const auto& p : info.programs) {
    for (const auto& a : p.accesses) {
      if (!hidden_in_diagrams(a.map) && listed.insert(a.map).second) {
        out += "participant " + a.map + "\n";
      }
    }
  }
  out += "end\n";
  for (const auto& p : info.programs) {
    for (const auto& a : p.accesses) out += p.name + "->>" + a.map + ": " + a.label + "\n";
  }
  return out;
}

}  // namespace ig::metadata
