#include "builder/metadata_check.hpp"

#include <bpf/btf.h>
#include <fcntl.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "metadata/btf_markers.hpp"
#include "metadata/declared_fields.hpp"
#include "metadata/field_schema.hpp"
#include "metadata/gadget_metadata.hpp"
#include "util/error.hpp"

namespace ig::builder {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void fail(const std::string& source, const std::string& path,
                       const std::string& problem) {
  throw Error(ErrorCode::InvalidArgument, source + ": " + path + ": " + problem);
}

const struct btf_type* find_var(const struct btf* btf, const std::string& name) {
  const int id = btf__find_by_name_kind(btf, name.c_str(), BTF_KIND_VAR);
  return id > 0 ? btf__type_by_id(btf, id) : nullptr;
}

// Skips typedefs and the given qualifiers; returns the first other type.
const struct btf_type* skip_typedefs(const struct btf* btf, uint32_t id) {
  const struct btf_type* t = btf__type_by_id(btf, id);
  while (t && btf_is_typedef(t)) t = btf__type_by_id(btf, t->type);
  return t;
}

// `const volatile T` in either qualifier order (typedefs allowed around them).
bool is_const_volatile(const struct btf* btf, uint32_t id) {
  bool is_const = false;
  bool is_volatile = false;
  const struct btf_type* t = btf__type_by_id(btf, id);
  while (t && (btf_is_const(t) || btf_is_volatile(t) || btf_is_typedef(t))) {
    is_const |= btf_is_const(t);
    is_volatile |= btf_is_volatile(t);
    t = btf__type_by_id(btf, t->type);
  }
  return is_const && is_volatile;
}

// Upstream checkParamVar: a global `const volatile T` or array of `const volatile T`.
std::string param_var_problem(const struct btf* btf, const std::string& name) {
  const struct btf_type* var = find_var(btf, name);
  if (!var) return "variable \"" + name + "\" not found in eBPF object";
  if (btf_var(var)->linkage != BTF_VAR_GLOBAL_ALLOCATED)
    return "\"" + name + "\" is not a global variable";
  uint32_t type_id = var->type;
  const struct btf_type* t = skip_typedefs(btf, type_id);
  if (t && btf_is_array(t)) type_id = btf_array(t)->type;
  if (!is_const_volatile(btf, type_id)) return "\"" + name + "\" is not a const volatile variable";
  return {};
}

// Top-level member names of a struct, in declaration order (what upstream Populate adds).
std::vector<std::string> top_level_members(const struct btf* btf, const std::string& name) {
  std::vector<std::string> out;
  const int id = btf__find_by_name_kind(btf, name.c_str(), BTF_KIND_STRUCT);
  if (id <= 0) return out;
  const struct btf_type* t = btf__type_by_id(btf, id);
  const struct btf_member* m = btf_members(t);
  for (uint16_t i = 0; i < btf_vlen(t); ++i, ++m) {
    std::string member = btf__name_by_offset(btf, m->name_off);
    if (!member.empty()) out.push_back(member);
  }
  return out;
}

YAML::Node load_yaml(const std::string& text, const std::string& source) {
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsNull()) return YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap()) throw Error(ErrorCode::InvalidArgument, source + ": expected a mapping");
    return root;
  } catch (const YAML::Exception& e) {
    throw Error(ErrorCode::InvalidArgument,
                source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

// Child map `key` of `node`, created when absent or null.
YAML::Node child_map(YAML::Node node, const std::string& key) {
  if (!node[key] || node[key].IsNull()) node[key] = YAML::Node(YAML::NodeType::Map);
  return node[key];
}

}  // namespace

void validate_metadata(const std::string& yaml_text, const std::string& source,
                       const struct btf* btf, const std::function<void(const std::string&)>& warn) {
  const metadata::GadgetMetadata meta = metadata::parse_metadata(yaml_text, source);
  const metadata::GadgetMarkers markers = metadata::discover_markers(btf);
  for (const auto& entry : metadata::unprovided_entries(meta, markers, btf)) {
    if (!warn) break;
    const std::string path = "datasources." + entry.datasource;
    if (entry.field.empty()) {
      warn(source + ": " + path + ": no tracer, map iterator or iterator named \"" +
           entry.datasource + "\" in the eBPF object");
    } else {
      warn(source + ": " + path + ".fields." + entry.field + ": no such field in " +
           entry.looked_in);
    }
  }

  // Key presence needs the raw document: the parsed model defaults an absent key.
  const YAML::Node root = load_yaml(yaml_text, source);
  const YAML::Node ebpf = root["params"] ? root["params"]["ebpf"] : YAML::Node();
  for (const auto& [var, _] : meta.ebpf_params) {
    const std::string path = "params.ebpf." + var;
    if (std::string problem = param_var_problem(btf, var); !problem.empty())
      fail(source, path, problem);
    const YAML::Node key = ebpf && ebpf.IsMap() ? ebpf[var]["key"] : YAML::Node();
    if (!key || !key.IsScalar() || key.Scalar().empty())
      fail(source, path, "param \"" + var + "\" has an empty key");
  }
}

std::string update_metadata(const std::string& yaml_text, const std::string& source,
                            const struct btf* btf) {
  YAML::Node root = load_yaml(yaml_text, source);
  const metadata::GadgetMarkers markers = metadata::discover_markers(btf);

  const std::pair<const char*, const char*> placeholders[] = {
      {"name", "TODO: Fill the gadget name"},
      {"description", "TODO: Fill the gadget description"},
      {"homepageURL", "TODO: Fill the gadget homepage URL"},
      {"documentationURL", "TODO: Fill the gadget documentation URL"},
      {"sourceURL", "TODO: Fill the gadget source code URL"},
  };
  for (const auto& [key, text] : placeholders)
    if (!root[key] || root[key].IsNull() || root[key].Scalar().empty()) root[key] = text;

  auto add_fields = [&](const std::string& ds_name, const std::vector<std::string>& structs) {
    YAML::Node fields = child_map(child_map(child_map(root, "datasources"), ds_name), "fields");
    for (const auto& s : structs) {
      for (const auto& member : top_level_members(btf, s)) {
        if (fields[member]) continue;
        YAML::Node annotations(YAML::NodeType::Map);
        annotations["description"] = "TODO: Fill field description";
        fields[member]["annotations"] = annotations;
      }
    }
  };
  for (const auto& t : markers.tracers)
    if (btf__find_by_name_kind(btf, t.struct_name.c_str(), BTF_KIND_STRUCT) <= 0)
      fail(source, "datasources." + t.name,
           "struct " + t.struct_name + " not found in eBPF object");
  for (const auto& [ds_name, structs] : datasource_structs(markers)) add_fields(ds_name, structs);

  for (const auto& p : markers.params) {
    if (std::string problem = param_var_problem(btf, p.variable); !problem.empty())
      fail(source, "params.ebpf." + p.variable, problem);
    YAML::Node ebpf = child_map(child_map(root, "params"), "ebpf");
    if (ebpf[p.variable]) continue;
    ebpf[p.variable]["key"] = p.variable;
    ebpf[p.variable]["description"] = "TODO: Fill parameter description";
  }

  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

void write_file_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(ErrorCode::Io, tmp.string() + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error(ErrorCode::Io, tmp.string() + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw Error(ErrorCode::Io, path.string() + ": " + std::strerror(err));
  }
}

}  // namespace ig::builder
