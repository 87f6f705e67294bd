// The libbpf side of `ig run`: open the gadget's object from memory, configure it (params,
// ring vs perf buffer, program variants), load it and attach every program by its section.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "runner/params.hpp"
#include "runner/perf_event.hpp"
#include "util/error.hpp"

struct bpf_object;
struct bpf_link;

struct bpf_program;

namespace ig::runner {

// libbpf messages are captured (and only printed when debugging) so that a failure can quote
// the verifier log instead of spraying it over the output.
void set_libbpf_debug(bool debug);

struct ProgramSection {
  std::string name;     // program (function) name
  std::string section;  // ELF section, e.g. "fentry/audit_seccomp"
};

// kprobe/X and fentry/X (likewise kretprobe/X and fexit/X) hook the same function: the runner
// prefers the fentry/fexit program and falls back to the kprobe one when trampolines fail.
struct VariantGroup {
  std::string hook;       // X
  std::string preferred;  // fentry/fexit program name
  std::string fallback;   // kprobe/kretprobe program name
};

std::vector<VariantGroup> group_variants(const std::vector<ProgramSection>& programs);

// A program failed to load or attach; carries what the fallback logic and the message need.
class ProgramFailure : public Error {
 public:
  ProgramFailure(const std::string& message, std::string program, std::string section, int err,
                 bool at_load)
      : Error(ErrorCode::Kernel, message),
        program(std::move(program)),
        section(std::move(section)),
        err(err),
        at_load(at_load) {}
  std::string program;  // empty when libbpf did not say which program failed
  std::string section;
  int err;  // positive errno
  bool at_load;
};

struct ObjectConfig {
  std::vector<GadgetParam> params;
  std::map<std::string, std::string> param_values;  // key -> value text
  std::vector<std::string> tracer_maps;             // gadget_map_tracer_* maps (perf fallback)
  bool use_ringbuf = true;
  std::set<std::string> fallback_hooks;  // VariantGroup::hook values using the kprobe variant
  std::map<std::string, PerfSampler> perf_samplers;  // gadget.yaml programs.<name>.perf/sampler
  std::string core_btf_path;  // CO-RE target (vmlinux plus the socket enricher's types), or ""
};

struct ObjectDeleter {
  void operator()(struct bpf_object* obj) const;
};
struct LinkDeleter {
  void operator()(struct bpf_link* link) const;
};
using ObjectPtr = std::unique_ptr<struct bpf_object, ObjectDeleter>;
using LinkPtr = std::unique_ptr<struct bpf_link, LinkDeleter>;

// Opens the ELF from memory; `elf` must outlive the object (libbpf keeps pointing into it).
// `core_btf_path`, when given, is the BTF that CO-RE relocations resolve against instead of
// the kernel's. Throws Error(InvalidArgument) when libbpf cannot parse it.
ObjectPtr open_object(const std::string& elf, const std::string& name,
                      const std::string& core_btf_path = {});

std::vector<ProgramSection> program_sections(struct bpf_object* obj);

// One load attempt: owns the object and, once attached, its links. Links are destroyed before
// the object, so nothing of ours stays in the kernel.
class GadgetProgram {
 public:
  GadgetProgram(const std::string& elf, const std::string& name, const ObjectConfig& config);

  // Throws ProgramFailure (naming the program) or Error.
  void load();
  // Attaches every program. Uprobes naming a library ("uprobe/libc:malloc") attach to that
  // library in each of `uprobe_roots` ("/", "/proc/PID/root"), once per distinct file.
  // Returns notes for the user (a library found in no root).
  std::vector<std::string> attach(const std::vector<std::string>& uprobe_roots = {});
  // Runs iterator program `program` (section iter/...) once: what it wrote with
  // bpf_seq_write, to the end. Throws Error naming the program.
  // With `netns_fd` >= 0 it reads from a thread entered into that network namespace: socket
  // iterators (tcp, udp) list the sockets of the namespace they are read in.
  std::string run_iterator(const std::string& program, int netns_fd = -1);
  // Attaches the library uprobes in one more root file system (a container started after
  // attach()); files probed already are skipped. Returns notes as attach() does.
  std::vector<std::string> attach_library_probes(const std::string& root);
  // What an iterator program iterates ("task", "tcp", ...: its section after "iter/").
  std::string iterator_kind(const std::string& program) const;
  // Takes every entry out of hash map `map`: keys and values back to back, one record per
  // entry (upstream's map iterators read and delete in batches). Throws Error naming the map.
  std::string drain_map(const std::string& map);
  // Destroys the links: the programs stop firing, maps stay readable until destruction.
  void detach() { links_.clear(); }

  struct bpf_object* object() const {
    return object_.get();
  }
  const std::vector<VariantGroup>& groups() const { return groups_; }

 private:
  void attach_perf_event(struct bpf_program* prog, const std::string& name);
  void attach_library_probe(struct bpf_program* prog, const std::string& library,
                            const std::string& function, const std::vector<std::string>& roots,
                            std::vector<std::string>& notes);
  // `function`: the symbol for uprobes (offset 0), null for a USDT location at `offset`.
  void attach_probe_site(struct bpf_program* prog, int fd, const char* function, uint64_t offset,
                         uint64_t ref_ctr_offset, const std::string& file, std::vector<std::string>& notes);

  ObjectPtr object_;
  std::map<std::string, PerfSampler> perf_samplers_;
  std::vector<VariantGroup> groups_;
  std::set<std::tuple<std::string, dev_t, ino_t>> probed_files_;  // section, library file
  std::vector<LinkPtr> links_;  // declared after object_: destroyed first
};

// Why a hook failed, as one clause for the user: "kernel has no kprobe support (attach failed:
// Operation not supported)".
std::string describe_failure(const ProgramFailure& failure);

}  // namespace ig::runner
