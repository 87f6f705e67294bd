// gadget.yaml against the compiled object's BTF (spec: ig-compat.md §2.5): validation, and
// --update-metadata which adds what the object defines but the file lacks.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

struct btf;

namespace ig::builder {

// Throws Error(InvalidArgument) "<source_name>: <key path>: <problem>" for a params.ebpf.<var>
// that is not a global `const volatile` variable or has an empty key, the one check upstream's
// validation makes. A datasource that no tracer, map iterator or iterator of the object
// defines, or a field neither in its struct nor added by an operator, is passed to `warn` in
// the same form: upstream builds such files (its trace_oomkill and trace_mount gadgets ship
// them), so refusing them would refuse upstream's sources.
void validate_metadata(const std::string& yaml_text, const std::string& source_name,
                       const struct btf* btf,
                       const std::function<void(const std::string&)>& warn = {});

// Returns `yaml_text` (may be empty: new file) with missing entries added: placeholder
// name/description/URLs, datasources with their top-level struct members, and params.ebpf
// entries for every GADGET_PARAM. Existing entries are kept as they are.
std::string update_metadata(const std::string& yaml_text, const std::string& source_name,
                            const struct btf* btf);

// Writes `text` to `path` through a temporary file and rename.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace ig::builder
