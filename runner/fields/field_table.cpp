#include "runner/fields/field_table.hpp"

#include <bpf/btf.h>

#include <algorithm>
#include <cstdlib>
#include <charconv>
#include <map>

#include "runner/operators/dns_decoder.hpp"
#include "util/error.hpp"

namespace ig::runner::fields {
namespace {

using metadata::Annotations;
using metadata::FieldKind;
using metadata::Formatter;

struct Template {
  std::string_view name;
  std::vector<std::pair<std::string_view, std::string_view>> annotations;
};

// pkg/metadata/v1/annotations.go, as listed in spec ig-compat.md §3.1.
const std::vector<Template>& templates() {
  static const std::vector<Template> kTemplates = {
      {"timestamp",
       {{"columns.width", "35"},
        {"columns.maxwidth", "35"},
        {"columns.ellipsis", "end"},
        {"columns.hidden", "true"},
        {"description", "Microseconds since Unix epoch"}}},
      {"bytes", {{"columns.width", "10"}, {"columns.alignment", "right"}}},
      {"duration", {{"columns.width", "20"}, {"columns.alignment", "right"}}},
      {"node", {{"columns.width", "30"}, {"columns.ellipsis", "middle"}}},
      {"pod", {{"columns.width", "30"}, {"columns.ellipsis", "middle"}}},
      {"container", {{"columns.width", "30"}}},
      {"namespace", {{"columns.width", "30"}}},
      {"containerImageName", {{"columns.width", "30"}}},
      {"containerImageDigest", {{"columns.width", "30"}}},
      {"containerPid",
       {{"columns.width", "6"}, {"columns.hidden", "true"}, {"columns.alignment", "right"}}},
      {"containerStartedAt", {{"columns.hidden", "true"}, {"columns.width", "35"}}},
      {"comm", {{"description", "Process name"}, {"columns.maxwidth", "16"}}},
      {"pcomm",
       {{"description", "Parent process name"},
        {"columns.maxwidth", "16"},
        {"columns.hidden", "true"}}},
      {"pid",
       {{"description", "Process ID"}, {"columns.minwidth", "7"}, {"columns.alignment", "right"}}},
      {"ppid",
       {{"description", "Parent process ID"},
        {"columns.minwidth", "7"},
        {"columns.alignment", "right"},
        {"columns.hidden", "true"}}},
      {"tid",
       {{"description", "Thread ID"}, {"columns.minwidth", "7"}, {"columns.alignment", "right"}}},
      {"ptid",
       {{"description", "Parent thread ID"},
        {"columns.minwidth", "7"},
        {"columns.alignment", "right"},
        {"columns.hidden", "true"}}},
      {"uid",
       {{"description", "User ID"}, {"columns.minwidth", "8"}, {"columns.alignment", "right"}}},
      {"gid",
       {{"description", "Group ID"}, {"columns.minwidth", "8"}, {"columns.alignment", "right"}}},
      {"ns", {{"columns.hidden", "true"}, {"columns.width", "12"}, {"columns.alignment", "right"}}},
      {"mntns_id",
       {{"description", "Mount namespace ID"},
        {"columns.hidden", "true"},
        {"columns.width", "12"},
        {"columns.alignment", "right"}}},
      {"netns_id",
       {{"description", "Network namespace ID"},
        {"columns.hidden", "true"},
        {"columns.width", "12"},
        {"columns.alignment", "right"}}},
      {"l4endpoint",
       {{"columns.minwidth", "22"},
        {"columns.width", "40"},
        {"columns.maxwidth", "52"},
        {"columns.ellipsis", "middle"}}},
      {"syscall",
       {{"description", "Syscall"}, {"columns.width", "18"}, {"columns.maxwidth", "28"}}},
      {"errorString", {{"columns.width", "12"}}},
      {"user_stack", {{"description", "User stack trace"}, {"columns.hidden", "true"}}},
  };
  return kTemplates;
}

// Types whose template is applied automatically (pkg/operators/ebpf/struct.go). gadget_ptid is
// included so the parent's thread id stays out of the default columns, as in upstream output.
constexpr std::string_view kAutoTemplateTypes[] = {
    "gadget_comm",  "gadget_uid",       "gadget_gid",      "gadget_pid",
    "gadget_tid",   "gadget_timestamp", "gadget_mntns_id", "gadget_netns_id",
    "gadget_pcomm", "gadget_ppid",      "gadget_ptid",     "gadget_user_stack"};

bool is_identity_struct(std::string_view type_name) {
  return type_name == "gadget_process" || type_name == "gadget_creds" ||
         type_name == "gadget_parent";
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

size_t type_width(const metadata::FieldSchema& s) {
  switch (s.kind) {
    case FieldKind::Bool:
      return 5;
    case FieldKind::Int:
      return s.size == 1 ? 4 : s.size == 2 ? 6 : s.size == 4 ? 11 : 20;
    case FieldKind::Uint:
    case FieldKind::Enum:
      return s.size == 1 ? 3 : s.size == 2 ? 5 : s.size == 4 ? 10 : 20;
    default:
      return 0;
  }
}

const std::string* get(const Annotations& a, const std::string& key) {
  const auto it = a.find(key);
  return it == a.end() ? nullptr : &it->second;
}

[[noreturn]] void bad(const Field& f, const std::string& key, const std::string& value) {
  throw Error(ErrorCode::InvalidArgument,
              "field " + f.schema.full_name + ": invalid " + key + " \"" + value + "\"");
}

size_t parse_width(const Field& f, const std::string& key) {
  const std::string* v = get(f.annotations, key);
  if (v == nullptr || v->empty()) return 0;
  if (*v == "type") {
    const size_t w = type_width(f.schema);
    if (w == 0) bad(f, key, *v);
    return w;
  }
  size_t w = 0;
  const auto r = std::from_chars(v->data(), v->data() + v->size(), w);
  if (r.ec != std::errc() || r.ptr != v->data() + v->size()) bad(f, key, *v);
  return w;
}

bool parse_bool(const Field& f, const std::string& key) {
  const std::string* v = get(f.annotations, key);
  return v != nullptr && lower(*v) == "true";
}

// Upstream's k8s.* subtree, hidden in columns as upstream's ig hides it (a fleet client shows
// k8s.node); filled from the container's Kubernetes labels or CRI annotations.
void add_kubernetes_fields(std::vector<Field>& out) {
  struct Leaf {
    const char* name;
    FieldKind kind;
    const char* template_name;  // widths as upstream's node, namespace, pod, container
    const char* description;
  };
  static constexpr Leaf kLeaves[] = {
      {"k8s", FieldKind::Struct, nullptr, ""},
      {"k8s.node", FieldKind::String, "node", "Kubernetes node"},
      {"k8s.namespace", FieldKind::String, "namespace", "Kubernetes namespace"},
      {"k8s.podName", FieldKind::String, "pod", "Kubernetes pod name"},
      {"k8s.containerName", FieldKind::String, "container", "Kubernetes container name"},
      {"k8s.hostnetwork", FieldKind::Bool, nullptr, "Whether the pod uses the host's network"},
      {"k8s.podLabels", FieldKind::String, nullptr, "Kubernetes pod labels"},
      {"k8s.owner", FieldKind::Struct, nullptr, ""},
      {"k8s.owner.kind", FieldKind::String, nullptr, "Kind of the pod's owner"},
      {"k8s.owner.name", FieldKind::String, nullptr, "Name of the pod's owner"},
  };
  int order = -120;
  for (const Leaf& leaf : kLeaves) {
    Field f;
    f.schema.full_name = leaf.name;
    f.schema.kind = leaf.kind;
    f.schema.size = leaf.kind == FieldKind::Bool ? 1 : 0;
    f.schema.depth = static_cast<int>(std::count(f.schema.full_name.begin(), f.schema.full_name.end(), '.'));
    f.operator_field = true;
    f.order = order++;
    if (leaf.template_name) apply_template(leaf.template_name, f.annotations);
    if (leaf.kind != FieldKind::Struct) {
      f.annotations["columns.hidden"] = "true";
      f.annotations["description"] = leaf.description;
    }
    out.push_back(std::move(f));
  }
}

}  // namespace

bool apply_template(std::string_view name, Annotations& dst) {
  for (const auto& t : templates()) {
    if (t.name != name) continue;
    for (const auto& [k, v] : t.annotations) dst[std::string(k)] = std::string(v);
    return true;
  }
  return false;
}

FieldTable::FieldTable(const struct btf* btf, const std::string& struct_name,
                       const metadata::DataSourceMetadata* meta)
    : FieldTable(btf, std::vector<std::string>{struct_name}, meta) {}

FieldTable::FieldTable(const struct btf* btf, const std::vector<std::string>& struct_names,
                       const metadata::DataSourceMetadata* meta) {
  uint32_t offset = 0;
  int order = 0;
  for (const auto& struct_name : struct_names) {
    int last_order = order;
    for (auto& s : metadata::event_fields(btf, struct_name, meta)) {
      Field f;
      s.order += order;
      if (s.kind != FieldKind::Formatted) s.offset += offset;
      last_order = std::max(last_order, s.order + 1);
      f.order = s.order;
      f.schema = std::move(s);
      fields_.push_back(std::move(f));
    }
    order = last_order;
    const int id = btf__find_by_name_kind(btf, struct_name.c_str(), BTF_KIND_STRUCT);
    if (id > 0) offset += static_cast<uint32_t>(btf__resolve_size(btf, static_cast<uint32_t>(id)));
  }
  order_formatted_fields();
  add_operator_fields();
  link();
  resolve_annotations(meta);
  resolve_columns();
}

FieldTable::FieldTable(std::vector<Field> described) : fields_(std::move(described)) {
  link();
  resolve_columns();
}

void FieldTable::order_formatted_fields() {
  // Upstream adds formatted fields after the struct's members: the eBPF operator's enum names
  // first, then the formatters operator's in its converter order, then user/group names. The
  // default columns keep that order (audit_seccomp shows CODE before SYSCALL).
  static constexpr Formatter kRank[] = {
      Formatter::Enum,      Formatter::Signal, Formatter::Errno,    Formatter::Syscall,
      Formatter::Timestamp, Formatter::Bytes,  Formatter::Duration, Formatter::FileMode,
      Formatter::FileFlags, Formatter::Uid,    Formatter::Gid};
  const int base = static_cast<int>(fields_.size());
  for (Field& f : fields_) {
    if (f.schema.kind != FieldKind::Formatted) continue;
    const int rank = static_cast<int>(
        std::find(std::begin(kRank), std::end(kRank), f.schema.formatter) - std::begin(kRank));
    f.order = base * (rank + 1) + f.schema.order;
  }
}

void FieldTable::add_operator_fields() {
  // What upstream's trace_dns computes in its wasm module, from the DNS decoder.
  std::vector<metadata::FieldSchema> schemas;
  for (const Field& f : fields_) schemas.push_back(f.schema);
  if (operators::carries_dns_messages(schemas)) {
    int order = static_cast<int>(fields_.size()) * 1000;
    for (const auto& dns : operators::dns_fields()) {
      Field f;
      f.schema.full_name = dns.name;
      f.schema.kind = dns.kind;
      f.schema.size = dns.size;
      f.operator_field = true;
      f.order = order++;
      fields_.push_back(std::move(f));
    }
  }
  // The ustack operator adds the readable stack under every gadget_user_stack member (§5.4).
  const size_t count = fields_.size();
  for (size_t i = 0; i < count; ++i) {
    if (fields_[i].schema.type_name != "gadget_user_stack" ||
        fields_[i].schema.kind != FieldKind::Struct) {
      continue;
    }
    for (const char* leaf : {"addresses", "buildid", "symbols"}) {
      Field f;
      f.schema.full_name = fields_[i].schema.full_name + "." + leaf;
      f.schema.kind = FieldKind::String;
      f.schema.depth = fields_[i].schema.depth + 1;
      f.operator_field = true;
      f.order = fields_[i].order;
      fields_.push_back(std::move(f));
    }
  }

  // Container enrichment keys on the first gadget_mntns_id member, else (or when it names no
  // container) on the first gadget_netns_id; host and unknown containers leave the strings
  // empty, as upstream prints them. Negative orders put RUNTIME.CONTAINERNAME first; the
  // other runtime fields are hidden like upstream's.
  const bool has_namespace = std::any_of(fields_.begin(), fields_.end(), [](const Field& f) {
    return f.schema.type_name == "gadget_mntns_id" || f.schema.type_name == "gadget_netns_id";
  });
  if (!has_namespace) return;
  std::vector<Field> runtime_fields;
  Field runtime;
  runtime.schema.full_name = "runtime";
  runtime.schema.kind = FieldKind::Struct;
  runtime.operator_field = true;
  runtime.order = -100;
  runtime_fields.push_back(std::move(runtime));
  struct Leaf {
    const char* name;
    FieldKind kind;
    const char* template_name;  // nullptr: hidden, no template
    const char* description;
  };
  static constexpr Leaf kLeaves[] = {
      {"containerName", FieldKind::String, "container", "Container name"},
      {"containerId", FieldKind::String, nullptr, "Container ID"},
      {"containerImageName", FieldKind::String, nullptr, "Container image name"},
      {"containerImageDigest", FieldKind::String, nullptr, "Container image digest"},
      {"containerPid", FieldKind::Uint, nullptr, "PID of the container's init process"},
      {"runtimeName", FieldKind::String, nullptr, "Container runtime"},
  };
  int order = -99;
  for (const Leaf& leaf : kLeaves) {
    Field f;
    f.schema.full_name = std::string("runtime.") + leaf.name;
    f.schema.kind = leaf.kind;
    f.schema.size = leaf.kind == FieldKind::Uint ? 4 : 0;
    f.schema.depth = 1;
    f.operator_field = true;
    f.order = order++;
    if (leaf.template_name) {
      apply_template(leaf.template_name, f.annotations);
    } else {
      f.annotations["columns.hidden"] = "true";
    }
    f.annotations["description"] = leaf.description;
    runtime_fields.push_back(std::move(f));
  }
  add_kubernetes_fields(runtime_fields);
  fields_.insert(fields_.begin(), std::make_move_iterator(runtime_fields.begin()),
                 std::make_move_iterator(runtime_fields.end()));
}

void FieldTable::link() {
  std::map<std::string, int> by_name;
  for (size_t i = 0; i < fields_.size(); ++i) {
    Field& f = fields_[i];
    const std::string& full = f.schema.full_name;
    const size_t dot = full.rfind('.');
    f.name = dot == std::string::npos ? full : full.substr(dot + 1);
    if (dot != std::string::npos) {
      const auto it = by_name.find(full.substr(0, dot));
      if (it != by_name.end()) f.parent = it->second;
    }
    by_name[full] = static_cast<int>(i);
  }
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].parent >= 0) {
      fields_[fields_[i].parent].children.push_back(static_cast<int>(i));
    } else {
      roots_.push_back(static_cast<int>(i));
    }
  }
  const auto by_key = [this](int a, int b) { return fields_[a].name < fields_[b].name; };
  std::sort(roots_.begin(), roots_.end(), by_key);
  for (auto& f : fields_) std::sort(f.children.begin(), f.children.end(), by_key);
}

void FieldTable::resolve_annotations(const metadata::DataSourceMetadata* meta) {
  std::vector<bool> explicit_hidden(fields_.size(), false);
  for (size_t i = 0; i < fields_.size(); ++i) {
    Field& f = fields_[i];
    const std::string& type = f.schema.type_name;
    if (std::find(std::begin(kAutoTemplateTypes), std::end(kAutoTemplateTypes), type) !=
        std::end(kAutoTemplateTypes)) {
      apply_template(type.substr(7), f.annotations);  // strip "gadget_"
    }
    if (is_identity_struct(type) && f.schema.kind == FieldKind::Struct) {
      f.annotations["columns.hidden"] = "true";
    }
    // Members of process/creds/parent are addressed by their short name (COMM, PID, ...).
    if (f.parent >= 0 && !f.operator_field && f.schema.kind != FieldKind::Formatted &&
        is_identity_struct(fields_[f.parent].schema.type_name)) {
      f.annotations["columns.alias"] = f.name;
    }
    switch (f.schema.formatter) {
      case Formatter::Timestamp:
        apply_template("timestamp", f.annotations);
        break;
      case Formatter::Errno:
        apply_template("errorString", f.annotations);
        break;
      case Formatter::Bytes:
        apply_template("bytes", f.annotations);
        break;
      case Formatter::Duration:
        apply_template("duration", f.annotations);
        break;
      // uidgidresolver hides both the id and its name at upstream HEAD.
      case Formatter::Uid:
      case Formatter::Gid:
        f.annotations["columns.hidden"] = "true";
        break;
      default:
        break;
    }
    if (meta == nullptr) continue;
    const auto it = meta->fields.find(f.schema.full_name);
    if (it == meta->fields.end()) continue;
    const Annotations& given = it->second.annotations;
    if (const std::string* t = get(given, "template")) {
      if (!apply_template(*t, f.annotations)) {
        throw Error(ErrorCode::InvalidArgument,
                    "field " + f.schema.full_name + ": unknown template \"" + *t + "\"");
      }
    }
    for (const auto& [k, v] : given) f.annotations[k] = v;
    explicit_hidden[i] = given.count("columns.hidden") > 0;
  }

  // Sources of formatted fields are hidden unless gadget.yaml says otherwise; enum sources
  // are always hidden (§4.4).
  for (const Field& f : fields_) {
    if (f.schema.kind != FieldKind::Formatted) continue;
    const int src = find(f.schema.source);
    if (src < 0) continue;
    if (f.schema.formatter == Formatter::Enum || f.schema.formatter == Formatter::KernelStack ||
        !explicit_hidden[src]) {
      fields_[src].annotations["columns.hidden"] = "true";
    }
  }
  // Endpoints show as one column, "addr:port" (l4) or "addr" (l3), through columns.replace;
  // their members are hidden, the raw address and the endpoint text stay out of JSON
  // (upstream's formatters operator).
  for (size_t i = 0; i < fields_.size(); ++i) {
    const Field& e = fields_[i];
    const bool l4 = e.schema.type_name == "gadget_l4endpoint_t";
    if (e.schema.kind != FieldKind::Struct ||
        (!l4 && e.schema.type_name != "gadget_l3endpoint_t")) {
      continue;
    }
    const std::string& full = e.schema.full_name;
    std::string shown;
    for (const Field& f : fields_) {
      if (f.schema.formatter == Formatter::IpAddr && f.parent == static_cast<int>(i)) {
        shown = f.schema.full_name;
      }
    }
    if (l4 && find(full + ".endpoint") >= 0) shown = full + ".endpoint";
    if (shown.empty()) continue;
    fields_[i].annotations["columns.replace"] = shown;
    for (Field& f : fields_) {
      bool inside = false;
      for (int p = f.parent; p >= 0 && !inside; p = fields_[p].parent)
        inside = p == static_cast<int>(i);
      if (!inside) continue;
      f.annotations["columns.hidden"] = "true";
      const bool raw_address =
          f.schema.type_name == "gadget_ip_addr_t" ||
          (f.parent >= 0 && fields_[f.parent].schema.type_name == "gadget_ip_addr_t");
      if (raw_address || f.schema.full_name == full + ".endpoint")
        f.annotations["json.skip"] = "true";
    }
  }
  // The ustack operator's sub-fields are hidden: the stack is shown on request only.
  for (Field& f : fields_) {
    for (int p = f.parent; p >= 0; p = fields_[p].parent) {
      if (fields_[p].schema.type_name == "gadget_user_stack") {
        if (!(meta && meta->fields.count(f.schema.full_name) &&
              meta->fields.at(f.schema.full_name).annotations.count("columns.hidden"))) {
          f.annotations["columns.hidden"] = "true";
        }
        break;
      }
    }
  }
}

void FieldTable::resolve_columns() {
  for (Field& f : fields_) {
    const Annotations& a = f.annotations;
    if (const std::string* v = get(a, "columns.alias")) f.alias = *v;
    if (const std::string* v = get(a, "description")) f.description = *v;
    f.hidden = parse_bool(f, "columns.hidden");
    f.json_skip = parse_bool(f, "json.skip");
    f.hex = parse_bool(f, "columns.hex");
    f.fixed = parse_bool(f, "columns.fixed");
    if (const std::string* v = get(a, "columns.alignment")) {
      if (*v == "left") {
        f.align = format::Align::Left;
      } else if (*v == "right") {
        f.align = format::Align::Right;
      } else {
        bad(f, "columns.alignment", *v);
      }
    }
    if (const std::string* v = get(a, "columns.ellipsis")) {
      if (v->empty() || *v == "none") {
        f.ellipsis = format::Ellipsis::None;
      } else if (*v == "start") {
        f.ellipsis = format::Ellipsis::Start;
      } else if (*v == "middle") {
        f.ellipsis = format::Ellipsis::Middle;
      } else if (*v == "end") {
        f.ellipsis = format::Ellipsis::End;
      } else {
        bad(f, "columns.ellipsis", *v);
      }
    }
    // As upstream's data sources: width 16 unless annotated, used as is when not scaling to a
    // terminal; min and max only bound the scaling, a number's max defaulting to its widest
    // value (pkg/datasource/columns.go).
    if (const std::string* v = get(a, "columns.precision")) {
      char* end = nullptr;
      const long digits = std::strtol(v->c_str(), &end, 10);
      if (v->empty() || *end != '\0' || digits < 0 || digits > 17) bad(f, "columns.precision", *v);
      f.precision = static_cast<int>(digits);
    }
    constexpr size_t kDefaultWidth = 16;
    f.width = parse_width(f, "columns.width");
    f.min_width = parse_width(f, "columns.minwidth");
    f.max_width = parse_width(f, "columns.maxwidth");
    if (f.width == 0) f.width = kDefaultWidth;
    if (f.max_width == 0) f.max_width = type_width(f.schema);
  }
  for (Field& f : fields_) {
    if (const std::string* v = get(f.annotations, "columns.replace")) {
      f.replace = find(*v);
      if (f.replace < 0) bad(f, "columns.replace", *v);
    }
  }
}

int FieldTable::find(std::string_view name) const {
  const std::string wanted = lower(name);
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (lower(fields_[i].schema.full_name) == wanted) return static_cast<int>(i);
  }
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (!fields_[i].alias.empty() && lower(fields_[i].alias) == wanted) return static_cast<int>(i);
  }
  return -1;
}

std::vector<int> FieldTable::default_columns() const {
  std::vector<int> out;
  for (size_t i = 0; i < fields_.size(); ++i) {
    const Field& f = fields_[i];
    if (!f.hidden && (f.schema.kind != FieldKind::Struct || f.replace >= 0)) {
      out.push_back(static_cast<int>(i));
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [this](int a, int b) { return fields_[a].order < fields_[b].order; });
  return out;
}

}  // namespace ig::runner::fields
