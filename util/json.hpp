// Reading JSON that comes from outside (registries, token servers, credential files) without
// letting a member of an unexpected type throw nlohmann's type_error past our error handling.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace ig {

// `key` of `object` when `object` is an object and the member a string, else `fallback`.
inline std::string json_string(const nlohmann::json& object, const char* key, const std::string& fallback = "") {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace ig
