#include "runner/network/filter_injection.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "util/error.hpp"

namespace ig::runner::network {
namespace {

constexpr std::string_view kFilterPrefix = "gadget_pf_";

struct PendingFilters {
  const struct btf* btf = nullptr;
  std::map<std::string, std::vector<struct bpf_insn>> code;  // NAME -> compiled filter
  // The records handed to the kernel instead of libbpf's, alive until the load is done.
  std::vector<unsigned char> func_info, line_info;
};

std::mutex registry_mutex;
std::map<const struct bpf_program*, PendingFilters> registry;

bool is_local_call(const struct bpf_insn& i) {
  return i.code == (BPF_JMP | BPF_CALL) && i.src_reg == BPF_PSEUDO_CALL;
}

bool is_function_reference(const struct bpf_insn& i) {
  return i.code == (BPF_LD | BPF_IMM | BPF_DW) && i.src_reg == BPF_PSEUDO_FUNC;
}

uint32_t record_offset(const unsigned char* record) {
  uint32_t off;
  std::memcpy(&off, record, sizeof off);
  return off;
}

// The prepare-load hook: the program's instructions are linked (subprograms appended, maps
// resolved) and `opts` carries libbpf's func and line records.
int inject_filters(struct bpf_program* prog, struct bpf_prog_load_opts* opts, long) {
  std::lock_guard lock(registry_mutex);
  const auto it = registry.find(prog);
  if (it == registry.end() || it->second.code.empty()) return 0;
  PendingFilters& pending = it->second;
  if (!opts->func_info || opts->func_info_rec_size < 2 * sizeof(uint32_t)) return -ENOTSUP;
  const auto* func_info = static_cast<const unsigned char*>(opts->func_info);
  pending.func_info.assign(func_info, func_info + opts->func_info_cnt * opts->func_info_rec_size);
  const auto* line_info = static_cast<const unsigned char*>(opts->line_info);
  pending.line_info.assign(line_info, line_info + opts->line_info_cnt * opts->line_info_rec_size);
  std::vector<std::pair<uint32_t, const std::vector<struct bpf_insn>*>> sites;
  for (uint32_t i = 0; i < opts->func_info_cnt; ++i) {
    const unsigned char* record = func_info + i * opts->func_info_rec_size;
    uint32_t type_id;
    std::memcpy(&type_id, record + sizeof(uint32_t), sizeof type_id);
    const struct btf_type* type = btf__type_by_id(pending.btf, type_id);
    if (!type) continue;
    const std::string_view name = btf__name_by_offset(pending.btf, type->name_off);
    if (!name.starts_with(kFilterPrefix)) continue;
    const auto code = pending.code.find(std::string(name.substr(kFilterPrefix.size())));
    if (code != pending.code.end()) sites.emplace_back(record_offset(record), &code->second);
  }
  // From the last site back, so that the earlier offsets stay valid.
  std::sort(sites.begin(), sites.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<struct bpf_insn> insns(bpf_program__insns(prog),
                                     bpf_program__insns(prog) + bpf_program__insn_cnt(prog));
  for (const auto& [at, code] : sites) {
    insert_instructions(insns, at, *code);
    const auto count = static_cast<uint32_t>(code->size());
    shift_records(pending.func_info, opts->func_info_rec_size, at, count);
    if (opts->line_info_rec_size > 0) {
      shift_records(pending.line_info, opts->line_info_rec_size, at, count);
    }
  }
  if (const int err = bpf_program__set_insns(prog, insns.data(), insns.size()); err != 0) return err;
  opts->func_info = pending.func_info.data();
  opts->line_info = pending.line_info.empty() ? nullptr : pending.line_info.data();
  return 0;
}

}  // namespace

void register_classifier_sections() {
  static std::once_flag once;
  std::call_once(once, [] {
    LIBBPF_OPTS(libbpf_prog_handler_opts, opts, .prog_prepare_load_fn = inject_filters);
    // "classifier/" matches "classifier/..." only; bare "classifier" stays libbpf's.
    if (libbpf_register_prog_handler("classifier/", BPF_PROG_TYPE_SCHED_CLS,
                                     static_cast<enum bpf_attach_type>(0), &opts) < 0) {
      throw Error(ErrorCode::Internal, "registering the classifier section handler with libbpf failed");
    }
  });
}

std::vector<std::string> packet_filter_names(const struct bpf_object* obj) {
  std::vector<std::string> names;
  const struct btf* btf = bpf_object__btf(obj);
  if (!btf) return names;
  const uint32_t count = btf__type_cnt(btf);
  for (uint32_t id = 1; id < count; ++id) {
    const struct btf_type* type = btf__type_by_id(btf, id);
    if (!btf_is_func(type)) continue;
    const std::string_view name = btf__name_by_offset(btf, type->name_off);
    if (name.starts_with(kFilterPrefix)) names.emplace_back(name.substr(kFilterPrefix.size()));
  }
  return names;
}

void set_packet_filters(const struct bpf_object* obj, const struct bpf_program* prog,
                        const std::map<std::string, std::vector<struct bpf_insn>>& filters) {
  PendingFilters pending;
  pending.btf = bpf_object__btf(obj);
  pending.code = filters;
  std::lock_guard lock(registry_mutex);
  registry[prog] = std::move(pending);
}

void clear_packet_filters(const struct bpf_program* prog) {
  std::lock_guard lock(registry_mutex);
  registry.erase(prog);
}

void insert_instructions(std::vector<struct bpf_insn>& program, uint32_t at,
                         const std::vector<struct bpf_insn>& code) {
  // Jumps stay within their function (the verifier's rule), so only calls and function
  // references can cross the insertion point.
  const auto count = static_cast<int64_t>(code.size());
  const auto moved = [&](int64_t index) { return index > at ? index + count : index; };
  for (size_t i = 0; i < program.size(); ++i) {
    struct bpf_insn& insn = program[i];
    if (!is_local_call(insn) && !is_function_reference(insn)) continue;
    const auto from = static_cast<int64_t>(i);
    const int64_t target = from + insn.imm + 1;
    const int64_t new_from = from >= at ? from + count : from;
    insn.imm = static_cast<int32_t>(moved(target) - new_from - 1);
  }
  program.insert(program.begin() + at, code.begin(), code.end());
}

void shift_records(std::vector<unsigned char>& records, uint32_t record_size, uint32_t at,
                   uint32_t count) {
  for (size_t i = 0; i + record_size <= records.size(); i += record_size) {
    uint32_t off = record_offset(&records[i]);
    if (off <= at) continue;
    off += count;
    std::memcpy(&records[i], &off, sizeof off);
  }
}

}  // namespace ig::runner::network
