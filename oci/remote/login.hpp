// `ig login` / `ig logout`: credentials kept in the file pull and push read, in containers'
// auth.json format ({"auths":{"HOST":{"auth":"base64(user:password)"}}}).
#pragma once

#include <string>

#include "oci/remote/credentials.hpp"
#include "oci/remote/options.hpp"

namespace ig::oci::remote {

// Checks `username`/`password` against `registry` (GET /v2/ through its challenge) and stores
// them in login_file(options), replacing the registry's entry and keeping every other one.
// The file is replaced atomically (mode 0600) and only once the registry accepted them: a
// refusal throws Error(Unauthorized) and leaves the file as it was.
void login(const std::string& registry, const std::string& username, const std::string& password,
           const RegistryOptions& options);

// Removes `registry`'s entry from login_file(options); Error(NotFound) when it has none.
void logout(const std::string& registry, const RegistryOptions& options);

}  // namespace ig::oci::remote
