#include "runner/params.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "util/error.hpp"

namespace ig::runner {
namespace {

// Flag names fixed by include/gadget/filter.h and user_stack_map.h (upstream params_defaults).
const std::map<std::string, std::string>& well_known_keys() {
  static const std::map<std::string, std::string> keys = {
      {"targ_pid", "pid"},
      {"targ_tid", "tid"},
      {"targ_uid", "uid"},
      {"targ_gid", "gid"},
      {"targ_comm", "comm"},
      {"collect_ustack", "collect-ustack"},
      {"collect_build_id", "collect-build-id"},
      {"collect_otel_stack", "collect-otel-stack"},
  };
  return keys;
}

uint32_t skip_modifiers(const struct btf* btf, uint32_t id) {
  for (const struct btf_type* t = btf__type_by_id(btf, id); t;) {
    if (!btf_is_mod(t) && !btf_is_typedef(t)) return id;
    id = t->type;
    t = btf__type_by_id(btf, id);
  }
  return id;
}

bool is_char_type(const struct btf* btf, uint32_t id) {
  const struct btf_type* t = btf__type_by_id(btf, skip_modifiers(btf, id));
  return t && btf_is_int(t) && t->size == 1 &&
         ((btf_int_encoding(t) & BTF_INT_CHAR) ||
          std::strcmp(btf__name_by_offset(btf, t->name_off), "char") == 0);
}

// Type of `var` from BTF; throws for types a flag cannot express.
void type_param(const struct btf* btf, uint32_t type_id, GadgetParam& param) {
  uint32_t id = skip_modifiers(btf, type_id);
  const struct btf_type* t = btf__type_by_id(btf, id);
  auto unsupported = [&] {
    return Error(ErrorCode::Unsupported,
                 "gadget param " + param.variable + ": unsupported type for a flag");
  };
  if (!t) throw unsupported();
  if (btf_is_int(t)) {
    uint8_t encoding = btf_int_encoding(t);
    if (encoding & BTF_INT_BOOL) {
      param.type = ParamType::Bool;
    } else {
      param.type = (encoding & BTF_INT_SIGNED) ? ParamType::Int : ParamType::Uint;
    }
    if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8) throw unsupported();
    param.size = t->size;
    return;
  }
  if (btf_is_enum(t) || btf_is_enum64(t)) {
    param.type = btf_kflag(t) ? ParamType::Int : ParamType::Uint;
    param.size = t->size;
    return;
  }
  if (btf_is_float(t)) {
    if (t->size != 4 && t->size != 8) throw unsupported();
    param.type = ParamType::Float;
    param.size = t->size;
    return;
  }
  if (btf_is_array(t) && is_char_type(btf, btf_array(t)->type)) {
    param.type = ParamType::String;
    param.size = btf_array(t)->nelems;
    return;
  }
  throw unsupported();
}

struct bpf_map* section_map(struct bpf_object* obj, const std::string& section) {
  struct bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    if (!bpf_map__is_internal(map)) continue;
    std::string_view name = bpf_map__name(map);
    if (name.ends_with(section)) return map;
  }
  return nullptr;
}

template <typename T>
T load_as(const unsigned char* bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

std::string decode_value(const GadgetParam& param, const unsigned char* bytes) {
  switch (param.type) {
    case ParamType::Bool:
      return bytes[0] ? "true" : "false";
    case ParamType::Int: {
      int64_t v = param.size == 1   ? load_as<int8_t>(bytes)
                  : param.size == 2 ? load_as<int16_t>(bytes)
                  : param.size == 4 ? load_as<int32_t>(bytes)
                                    : load_as<int64_t>(bytes);
      return std::to_string(v);
    }
    case ParamType::Uint: {
      uint64_t v = param.size == 1   ? load_as<uint8_t>(bytes)
                   : param.size == 2 ? load_as<uint16_t>(bytes)
                   : param.size == 4 ? load_as<uint32_t>(bytes)
                                     : load_as<uint64_t>(bytes);
      return std::to_string(v);
    }
    case ParamType::Float: {
      char buf[64];
      double v = param.size == 4 ? load_as<float>(bytes) : load_as<double>(bytes);
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
      return std::string(buf, end);
    }
    case ParamType::String:
      return std::string(reinterpret_cast<const char*>(bytes),
                         strnlen(reinterpret_cast<const char*>(bytes), param.size));
  }
  return {};
}

const GadgetParam* find_by_key(const std::vector<GadgetParam>& params, std::string_view key) {
  for (const auto& p : params) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

std::string known_flags(const std::vector<GadgetParam>& params) {
  if (params.empty()) return "the gadget has no parameters";
  std::string text = "known: ";
  for (size_t i = 0; i < params.size(); ++i) {
    text += (i ? ", --" : "--") + params[i].key;
  }
  return text;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  if (text == "0") return std::chrono::nanoseconds(0);
  static const std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1},  {"us", 1e3}, {"\xC2\xB5s", 1e3}, {"ms", 1e6},
      {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  double total = 0;
  if (text.empty()) return std::nullopt;
  while (!text.empty()) {
    size_t digits = 0;
    while (digits < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    const std::string number(text.substr(0, digits));
    char* end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return std::nullopt;
    text.remove_prefix(digits);
    // Longest unit first: "ms" before "m".
    const std::pair<std::string_view, double>* unit = nullptr;
    for (const auto& u : kUnits) {
      if (text.starts_with(u.first) && (!unit || u.first.size() > unit->first.size())) unit = &u;
    }
    if (!unit) return std::nullopt;
    total += value * unit->second;
    text.remove_prefix(unit->first.size());
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(total));
}

std::optional<std::string> take_flag(std::vector<std::string>& args, const std::string& name) {
  const std::string flag = "--" + name;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == flag) {
      if (i + 1 >= args.size()) throw Error(ErrorCode::InvalidArgument, flag + ": missing value");
      std::string value = args[i + 1];
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
      return value;
    }
    if (args[i].starts_with(flag + "=")) {
      std::string value = args[i].substr(flag.size() + 1);
      args.erase(args.begin() + static_cast<long>(i));
      return value;
    }
  }
  return std::nullopt;
}

bool parse_bool(const std::string& text, bool& out) {
  static const char* const kTrue[] = {"1", "t", "T", "true", "TRUE", "True"};
  static const char* const kFalse[] = {"0", "f", "F", "false", "FALSE", "False"};
  for (const char* s : kTrue) {
    if (text == s) return out = true, true;
  }
  for (const char* s : kFalse) {
    if (text == s) return out = false, true;
  }
  return false;
}

std::vector<GadgetParam> collect_params(struct bpf_object* obj,
                                        const metadata::GadgetMarkers& markers,
                                        const metadata::GadgetMetadata& meta) {
  const struct btf* btf = bpf_object__btf(obj);
  std::vector<GadgetParam> params;
  if (!btf) return params;
  for (const auto& marker : markers.params) {
    GadgetParam param;
    param.variable = marker.variable;
    bool found = false;
    for (uint32_t id = 1; id < btf__type_cnt(btf) && !found; ++id) {
      const struct btf_type* t = btf__type_by_id(btf, id);
      if (!btf_is_datasec(t)) continue;
      const struct btf_var_secinfo* info = btf_var_secinfos(t);
      for (uint16_t i = 0; i < btf_vlen(t); ++i, ++info) {
        const struct btf_type* var = btf__type_by_id(btf, info->type);
        if (!btf_is_var(var) || marker.variable != btf__name_by_offset(btf, var->name_off))
          continue;
        param.section = btf__name_by_offset(btf, t->name_off);
        param.offset = info->offset;
        type_param(btf, var->type, param);
        found = true;
        break;
      }
    }
    if (!found) {
      throw Error(ErrorCode::InvalidArgument,
                  "gadget param " + marker.variable + ": GADGET_PARAM names no global variable");
    }
    if (auto it = well_known_keys().find(param.variable); it != well_known_keys().end()) {
      param.key = it->second;
    } else {
      param.key = param.variable;
    }
    if (struct bpf_map* map = section_map(obj, param.section)) {
      size_t size = 0;
      const auto* bytes = static_cast<const unsigned char*>(bpf_map__initial_value(map, &size));
      if (bytes && param.offset + param.size <= size) {
        param.default_value = decode_value(param, bytes + param.offset);
      }
    }
    if (auto it = meta.ebpf_params.find(param.variable); it != meta.ebpf_params.end()) {
      if (!it->second.key.empty()) param.key = it->second.key;
      if (!it->second.default_value.empty()) param.default_value = it->second.default_value;
      param.description = it->second.description;
    }
    params.push_back(std::move(param));
  }
  return params;
}

std::map<std::string, std::string> parse_gadget_args(const std::vector<std::string>& args,
                                                     const std::vector<GadgetParam>& params) {
  std::map<std::string, std::string> values;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!arg.starts_with("--") || arg.size() == 2) {
      throw Error(ErrorCode::InvalidArgument,
                  "unexpected argument \"" + arg + "\": gadget params are --name value");
    }
    std::string key = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key.resize(eq);
      has_value = true;
    }
    const GadgetParam* param = find_by_key(params, key);
    if (!param) {
      throw Error(ErrorCode::InvalidArgument,
                  "unknown gadget parameter \"--" + key + "\" (" + known_flags(params) + ")");
    }
    if (!has_value) {
      if (param->type == ParamType::Bool) {
        value = "true";  // bools take a value only as --name=value, as with Go's pflag
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        throw Error(ErrorCode::InvalidArgument, "gadget parameter \"--" + key + "\" needs a value");
      }
    }
    std::vector<unsigned char> scratch(param->size);
    encode_param(*param, value, scratch.data());  // validates now, before anything is loaded
    values[key] = value;
  }
  return values;
}

void encode_param(const GadgetParam& param, const std::string& value, void* out) {
  auto bad = [&](const std::string& problem) {
    return Error(ErrorCode::InvalidArgument,
                 "--" + param.key + ": invalid value \"" + value + "\": " + problem);
  };
  auto* bytes = static_cast<unsigned char*>(out);
  switch (param.type) {
    case ParamType::Bool: {
      bool b = false;
      if (!parse_bool(value, b)) throw bad("expected true or false");
      std::memset(bytes, 0, param.size);
      bytes[0] = b ? 1 : 0;
      return;
    }
    case ParamType::Int: {
      int64_t v = 0;
      const char* begin = value.data() + (value.starts_with('+') ? 1 : 0);
      auto [end, ec] = std::from_chars(begin, value.data() + value.size(), v);
      if (ec != std::errc() || end != value.data() + value.size() || value.empty()) {
        throw bad("expected a signed integer of " + std::to_string(param.size * 8) + " bits");
      }
      int64_t min = param.size == 8 ? std::numeric_limits<int64_t>::min()
                                    : -(int64_t{1} << (param.size * 8 - 1));
      int64_t max = param.size == 8 ? std::numeric_limits<int64_t>::max()
                                    : (int64_t{1} << (param.size * 8 - 1)) - 1;
      if (v < min || v > max)
        throw bad("out of range for " + std::to_string(param.size * 8) + " bits");
      // Little- or big-endian alike: store through the native type of that size.
      if (param.size == 1) {
        int8_t n = static_cast<int8_t>(v);
        std::memcpy(bytes, &n, 1);
      }
      if (param.size == 2) {
        int16_t n = static_cast<int16_t>(v);
        std::memcpy(bytes, &n, 2);
      }
      if (param.size == 4) {
        int32_t n = static_cast<int32_t>(v);
        std::memcpy(bytes, &n, 4);
      }
      if (param.size == 8) std::memcpy(bytes, &v, 8);
      return;
    }
    case ParamType::Uint: {
      uint64_t v = 0;
      const char* begin = value.data() + (value.starts_with('+') ? 1 : 0);
      auto [end, ec] = std::from_chars(begin, value.data() + value.size(), v);
      if (ec != std::errc() || end != value.data() + value.size() || value.empty()) {
        throw bad("expected an unsigned integer of " + std::to_string(param.size * 8) + " bits");
      }
      uint64_t max = param.size == 8 ? std::numeric_limits<uint64_t>::max()
                                     : (uint64_t{1} << (param.size * 8)) - 1;
      if (v > max) throw bad("out of range for " + std::to_string(param.size * 8) + " bits");
      if (param.size == 1) {
        uint8_t n = static_cast<uint8_t>(v);
        std::memcpy(bytes, &n, 1);
      }
      if (param.size == 2) {
        uint16_t n = static_cast<uint16_t>(v);
        std::memcpy(bytes, &n, 2);
      }
      if (param.size == 4) {
        uint32_t n = static_cast<uint32_t>(v);
        std::memcpy(bytes, &n, 4);
      }
      if (param.size == 8) std::memcpy(bytes, &v, 8);
      return;
    }
    case ParamType::Float: {
      double v = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || end != value.data() + value.size() || value.empty()) {
        throw bad("expected a number");
      }
      if (param.size == 4) {
        float f = static_cast<float>(v);
        std::memcpy(bytes, &f, 4);
      } else {
        std::memcpy(bytes, &v, 8);
      }
      return;
    }
    case ParamType::String:
      if (value.size() >= param.size) {
        throw bad("longer than " + std::to_string(param.size - 1) + " bytes");
      }
      std::memset(bytes, 0, param.size);
      std::memcpy(bytes, value.data(), value.size());
      return;
  }
}

void apply_params(struct bpf_object* obj, const std::vector<GadgetParam>& params,
                  const std::map<std::string, std::string>& values) {
  // One copy per section, modified and set back once: bpf_map__set_initial_value replaces the
  // whole image.
  std::map<std::string, std::vector<unsigned char>> images;
  for (const auto& param : params) {
    auto it = values.find(param.key);
    const std::string& value = it != values.end() ? it->second : param.default_value;
    // Nothing to write when neither the user, the metadata nor the object gives a value.
    if (value.empty() && param.type != ParamType::String) continue;
    struct bpf_map* map = section_map(obj, param.section);
    if (!map) {
      throw Error(ErrorCode::Internal,
                  "gadget param " + param.variable + ": no map for section " + param.section);
    }
    auto& image = images[param.section];
    if (image.empty()) {
      size_t size = 0;
      const auto* bytes = static_cast<const unsigned char*>(bpf_map__initial_value(map, &size));
      image.assign(bytes, bytes + size);
    }
    if (param.offset + param.size > image.size()) {
      throw Error(ErrorCode::Internal,
                  "gadget param " + param.variable + ": outside " + param.section);
    }
    encode_param(param, value, image.data() + param.offset);
  }
  for (auto& [section, image] : images) {
    struct bpf_map* map = section_map(obj, section);
    if (int err = bpf_map__set_initial_value(map, image.data(), image.size()); err) {
      throw Error(ErrorCode::Internal,
                  "setting gadget params in " + section + ": " + std::strerror(-err));
    }
  }
}

}  // namespace ig::runner
