#include "runner/enrich/mntns_filter.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace ig::runner::enrich {
namespace {

constexpr const char* kMapName = "gadget_mntns_filter_map";
constexpr const char* kFlagName = "gadget_filter_by_mntns";

}  // namespace

bool enable_mntns_filter(struct bpf_object* obj) {
  if (!bpf_object__find_map_by_name(obj, kMapName)) return false;
  const struct btf* btf = bpf_object__btf(obj);
  if (!btf) return false;
  for (uint32_t id = 1; id < btf__type_cnt(btf); ++id) {
    const struct btf_type* t = btf__type_by_id(btf, id);
    if (!btf_is_datasec(t)) continue;
    const std::string_view section = btf__name_by_offset(btf, t->name_off);
    const struct btf_var_secinfo* info = btf_var_secinfos(t);
    for (uint16_t i = 0; i < btf_vlen(t); ++i, ++info) {
      const struct btf_type* var = btf__type_by_id(btf, info->type);
      if (!btf_is_var(var) ||
          std::string_view(btf__name_by_offset(btf, var->name_off)) != kFlagName) {
        continue;
      }
      struct bpf_map* map;
      bpf_object__for_each_map(map, obj) {
        if (!bpf_map__is_internal(map) ||
            !std::string_view(bpf_map__name(map)).ends_with(section)) {
          continue;
        }
        size_t size = 0;
        const auto* bytes = static_cast<const unsigned char*>(bpf_map__initial_value(map, &size));
        if (!bytes || info->offset + 1 > size) return false;
        std::vector<unsigned char> image(bytes, bytes + size);
        image[info->offset] = 1;  // C bool
        if (int err = bpf_map__set_initial_value(map, image.data(), image.size()); err) {
          throw Error(ErrorCode::Internal,
                      std::string("setting ") + kFlagName + ": " + std::strerror(-err));
        }
        return true;
      }
    }
  }
  return false;
}

MntnsFilterMap::MntnsFilterMap(struct bpf_object* obj) {
  struct bpf_map* map = bpf_object__find_map_by_name(obj, kMapName);
  if (map) fd_ = bpf_map__fd(map);
  if (fd_ < 0) throw Error(ErrorCode::Internal, std::string(kMapName) + " is not loaded");
}

void MntnsFilterMap::add(uint64_t mntns) {
  const uint32_t one = 1;
  if (bpf_map_update_elem(fd_, &mntns, &one, BPF_ANY) != 0) {
    throw Error(ErrorCode::Kernel, std::string("adding mount namespace ") + std::to_string(mntns) +
                                       " to " + kMapName + ": " + std::strerror(errno));
  }
}

void MntnsFilterMap::remove(uint64_t mntns) {
  if (bpf_map_delete_elem(fd_, &mntns) != 0 && errno != ENOENT) {
    throw Error(ErrorCode::Kernel, std::string("removing mount namespace ") +
                                       std::to_string(mntns) + " from " + kMapName + ": " +
                                       std::strerror(errno));
  }
}

}  // namespace ig::runner::enrich
