// What an eBPF object holds, for `ig image inspect`'s ebpf.* keys (upstream's ebpf operator
// extra info): ELF sections, maps, global variables, programs and which maps each program
// reaches through which helpers. Read from the ELF as the image carries it, nothing is loaded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ig::metadata {

struct ObjectMap {
  std::string name;   // .maps variable, or data section (".data", ".rodata.str1.1", ...)
  uint32_t type = 0;  // enum bpf_map_type; data sections are arrays
};

struct ObjectVariable {
  std::string name;
  uint64_t offset = 0;
  uint64_t size = 0;
  std::string section;  // the data section holding it
};

// A helper call on a map: `label` is Lookup, Update, Delete, Push, Pop, Peek, LookupPercpu
// (bpf_map_*_elem) or EventOutput (bpf_perf_event_output).
struct MapAccess {
  std::string map;  // a .maps name or a data section name
  std::string label;

  bool operator==(const MapAccess&) const = default;
};

struct ObjectProgram {
  std::string name;     // the function
  std::string section;  // e.g. kprobe/audit_seccomp
  // In the order of the program's instructions followed by the functions it calls (breadth
  // first), each access once.
  std::vector<MapAccess> accesses;
};

struct ObjectInfo {
  std::vector<std::string> sections;  // every ELF section header name, in order (the first is "")
  std::vector<ObjectMap> maps;        // sorted by name
  std::vector<ObjectVariable> variables;  // sorted by name
  std::vector<ObjectProgram> programs;    // sorted by name; functions in .text are not programs
};

// Throws Error(InvalidArgument) when `elf` is not a BPF ELF object.
ObjectInfo describe_object(const std::string& elf);

// cilium/ebpf's name of a map type ("Hash", "RingBuf", ...), as upstream prints it.
std::string map_type_name(uint32_t type);

// Mermaid diagrams of the program -> map accesses, in upstream's layout: a flowchart (one edge
// per program and map, Lookup/Update/Delete merged into one label) and a sequence diagram (one
// message per access).
std::string flowchart(const ObjectInfo& info);
std::string sequence_diagram(const ObjectInfo& info);

}  // namespace ig::metadata
