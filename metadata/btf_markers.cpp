#include "metadata/btf_markers.hpp"

#include <bpf/btf.h>

#include <string_view>

#include "util/error.hpp"

namespace ig::metadata {
namespace {

constexpr std::string_view kTracer = "gadget_tracer_";
constexpr std::string_view kTracerMap = "gadget_map_tracer_";
constexpr std::string_view kParam = "gadget_param_";
constexpr std::string_view kMapIter = "gadget_mapiter_";
constexpr std::string_view kIter = "gadget_iter_";

// Splits the encoded part of a marker on "___" (the separator the macros paste in).
std::vector<std::string> split_parts(std::string_view encoded) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t pos = encoded.find("___", start);
    if (pos == std::string_view::npos) {
      parts.emplace_back(encoded.substr(start));
      return parts;
    }
    parts.emplace_back(encoded.substr(start, pos - start));
    start = pos + 3;
  }
}

[[noreturn]] void malformed(std::string_view var, std::string_view problem) {
  throw Error(ErrorCode::InvalidArgument,
              "BTF marker " + std::string(var) + ": " + std::string(problem));
}

// Markers are `const void *` globals (upstream validateGlobalConstVoidPtrVar).
void check_const_void_ptr(const struct btf* btf, const struct btf_type* var,
                          std::string_view name) {
  if (btf_var(var)->linkage != BTF_VAR_GLOBAL_ALLOCATED) malformed(name, "not a global variable");
  const struct btf_type* ptr = btf__type_by_id(btf, var->type);
  if (!ptr || !btf_is_ptr(ptr)) malformed(name, "not a pointer");
  const struct btf_type* cnst = btf__type_by_id(btf, ptr->type);
  if (!cnst || !btf_is_const(cnst) || cnst->type != 0) malformed(name, "not of type const void *");
}

std::vector<std::string> parts_of(std::string_view name, std::string_view prefix, size_t min,
                                  size_t max) {
  auto parts = split_parts(name.substr(prefix.size()));
  if (parts.size() < min || parts.size() > max) malformed(name, "wrong number of \"___\" parts");
  for (const auto& part : parts)
    if (part.empty()) malformed(name, "empty part");
  return parts;
}

const struct btf_type* skip_typedefs(const struct btf* btf, uint32_t id) {
  const struct btf_type* t = btf__type_by_id(btf, id);
  while (t && btf_is_typedef(t)) t = btf__type_by_id(btf, t->type);
  return t;
}

}  // namespace

std::string map_member_struct(const struct btf* btf, const std::string& map_name,
                              const char* member) {
  const int var_id = btf__find_by_name_kind(btf, map_name.c_str(), BTF_KIND_VAR);
  if (var_id <= 0) return {};
  const struct btf_type* def = skip_typedefs(btf, btf__type_by_id(btf, var_id)->type);
  if (!def || !btf_is_struct(def)) return {};
  const struct btf_member* m = btf_members(def);
  for (uint16_t i = 0; i < btf_vlen(def); ++i, ++m) {
    if (std::string_view(btf__name_by_offset(btf, m->name_off)) != member) continue;
    const struct btf_type* ptr = skip_typedefs(btf, m->type);
    if (!ptr || !btf_is_ptr(ptr)) return {};
    const struct btf_type* target = skip_typedefs(btf, ptr->type);
    if (!target || !btf_is_struct(target)) return {};
    return btf__name_by_offset(btf, target->name_off);
  }
  return {};
}

GadgetMarkers discover_markers(const struct btf* btf) {
  GadgetMarkers markers;
  const uint32_t count = btf__type_cnt(btf);
  for (uint32_t id = 1; id < count; ++id) {
    const struct btf_type* type = btf__type_by_id(btf, id);
    if (!btf_is_var(type)) continue;
    const char* raw_name = btf__name_by_offset(btf, type->name_off);
    if (!raw_name) continue;
    std::string_view name = raw_name;

    if (name.starts_with(kTracerMap)) {
      check_const_void_ptr(btf, type, name);
      auto parts = parts_of(name, kTracerMap, 1, 1);
      markers.tracer_maps.push_back(parts[0]);
    } else if (name.starts_with(kTracer)) {
      check_const_void_ptr(btf, type, name);
      auto parts = parts_of(name, kTracer, 3, 3);
      markers.tracers.push_back({parts[0], parts[1], parts[2]});
    } else if (name.starts_with(kParam)) {
      check_const_void_ptr(btf, type, name);
      if (name.size() == kParam.size()) malformed(name, "empty variable name");
      markers.params.push_back({std::string(name.substr(kParam.size()))});
    } else if (name.starts_with(kMapIter)) {
      check_const_void_ptr(btf, type, name);
      auto parts = parts_of(name, kMapIter, 2, 2);
      markers.map_iters.push_back({parts[0], parts[1], map_member_struct(btf, parts[1], "key"),
                                   map_member_struct(btf, parts[1], "value")});
    } else if (name.starts_with(kIter)) {
      check_const_void_ptr(btf, type, name);
      auto parts = parts_of(name, kIter, 3, 5);
      IterMarker iter{parts[0], parts[1], {}};
      iter.programs.assign(parts.begin() + 2, parts.end());
      markers.iters.push_back(std::move(iter));
    }
  }
  return markers;
}

}  // namespace ig::metadata
