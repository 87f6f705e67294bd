// Registry credentials from Docker config.json / containers auth.json files, including
// credential helpers (`docker-credential-<name> get`).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "oci/remote/options.hpp"

namespace ig::oci::remote {

struct Credential {
  std::string username;
  std::string password;
  std::string identity_token;  // OAuth2 refresh token
  std::string registry_token;  // sent as-is as a Bearer token
  bool empty() const {
    return username.empty() && password.empty() && identity_token.empty() && registry_token.empty();
  }
};

// The file `ig login` writes: --authfile, else $REGISTRY_AUTH_FILE, else /var/lib/ig/config.json
// (which pull and push then read first).
std::string login_file(const RegistryOptions& options);

// The credential files consulted, in order, for `options`: login_file(options) alone, unless it
// is ig's default and absent; then the Docker config and containers' auth.json.
std::vector<std::string> credential_files(const RegistryOptions& options);

// Looks up credentials for `registry` ("host[:port]") and `repository` in the files of
// `options`: the first file with a matching entry wins; inside a file credHelpers[host], then
// credsStore, then auths (most specific "host/namespace" key first). Throws Error naming the
// file when a file is malformed or a helper fails other than with "not found".
std::optional<Credential> find_credential(const RegistryOptions& options, const std::string& registry,
                                          const std::string& repository);

// Whether a password or refresh token may go to `host_port` over plain HTTP: only when the user
// listed that host in --insecure-registries (as docker and skopeo decide), with or without the
// port, so that a listed registry's token server on another port of the same host qualifies.
bool plain_http_allowed(const std::string& host_port, const std::vector<std::string>& insecure_registries);

}  // namespace ig::oci::remote
