// Gadget parameters from eBPF (spec: ig-compat.md §4.5): every gadget_param_<var> marker exposes
// the const volatile global <var> as a flag, typed from its BTF and defaulting to its initial
// value; values are written into the object's data section before load.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metadata/btf_markers.hpp"
#include "metadata/gadget_metadata.hpp"

struct bpf_object;

namespace ig::runner {

enum class ParamType { Bool, Int, Uint, Float, String };

struct GadgetParam {
  std::string variable;  // BTF variable name
  std::string key;       // flag name without "--"
  std::string description;
  std::string default_value;  // as text, in the flag's syntax
  ParamType type = ParamType::Uint;
  uint32_t size = 0;    // bytes of the variable (string: capacity including the NUL)
  std::string section;  // data section holding the variable, e.g. ".rodata"
  uint32_t offset = 0;  // byte offset of the variable in that section
};

// Params of an opened (not loaded) object: BTF gives type, section and offset, the section's
// initial bytes give the default, metadata params.ebpf.<var> overrides key/default/description.
std::vector<GadgetParam> collect_params(struct bpf_object* obj,
                                        const metadata::GadgetMarkers& markers,
                                        const metadata::GadgetMetadata& meta);

// Parses "--key value", "--key=value" and bare "--key" for bools. Returns key -> value text for
// the params given (defaults are not filled in). Throws Error(InvalidArgument) naming an
// unknown flag or a value that does not fit the param's type.
std::map<std::string, std::string> parse_gadget_args(const std::vector<std::string>& args,
                                                     const std::vector<GadgetParam>& params);

// Go's time.ParseDuration: a sequence of decimal numbers with units ns, us (or µs), ms, s, m,
// h ("300ms", "1.5s", "1m30s"; "0" alone). nullopt if the text is not one.
std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

// Removes "--name VALUE" or "--name=VALUE" from `args` and returns VALUE; nullopt if absent.
// Throws Error(InvalidArgument) when the flag has no value.
std::optional<std::string> take_flag(std::vector<std::string>& args, const std::string& name);

// A bool param's value text, in the spellings Go's strconv.ParseBool accepts; false if invalid.
bool parse_bool(const std::string& text, bool& out);

// Encodes `value` as the param's C representation into `out` (exactly param.size bytes).
// Throws Error(InvalidArgument) "--<key>: <problem>".
void encode_param(const GadgetParam& param, const std::string& value, void* out);

// Writes every param (the given value, else its default) into the object's data sections.
void apply_params(struct bpf_object* obj, const std::vector<GadgetParam>& params,
                  const std::map<std::string, std::string>& values);

}  // namespace ig::runner
