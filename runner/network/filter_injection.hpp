// Puts the packet filters of packetfilter.h into classifier programs as libbpf loads them:
// a section handler for upstream's "classifier/DIRECTION/NAME" sections (libbpf 1.1 knows only a
// bare "classifier") whose prepare-load hook inserts each filter's eBPF code at the start of its
// gadget_pf_NAME function in the linked program, and moves the BTF func and line records after it.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

struct bpf_object;
struct bpf_program;
struct btf;

namespace ig::runner::network {

// Registers the section handler; call before opening objects. Idempotent.
void register_classifier_sections();

// NAME of every gadget_pf_NAME function of the object ("" for gadget_pf_), from its BTF.
std::vector<std::string> packet_filter_names(const struct bpf_object* obj);

// Compiled filters (NAME -> compile_packet_filter's code) for `prog` of `obj` at its next load.
void set_packet_filters(const struct bpf_object* obj, const struct bpf_program* prog,
                        const std::map<std::string, std::vector<struct bpf_insn>>& filters);
// Forgets the filters of `prog` (after its load, successful or not).
void clear_packet_filters(const struct bpf_program* prog);

// Inserts `code` before instruction `at` of a linked program: jumps, bpf-to-bpf calls and
// function references across the point are re-aimed; calls of instruction `at` enter `code`.
void insert_instructions(std::vector<struct bpf_insn>& program, uint32_t at,
                         const std::vector<struct bpf_insn>& code);
// BTF func_info or line_info records (each starts with its insn_off): those after `at` move by
// `count`.
void shift_records(std::vector<unsigned char>& records, uint32_t record_size, uint32_t at,
                   uint32_t count);

}  // namespace ig::runner::network
