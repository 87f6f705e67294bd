// User-facing settings of the registry client (the `--authfile` and `--insecure-registries`
// flags of upstream ig).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace ig::oci::remote {

struct RegistryOptions {
  // Credentials file. Empty: $REGISTRY_AUTH_FILE, else /var/lib/ig/config.json, else (when that
  // default is absent) the Docker config, then containers' auth.json.
  std::string authfile;
  // "host[:port]" entries contacted over plain HTTP.
  std::vector<std::string> insecure_registries;
  // Where one-line warnings go (credentials sent over plain HTTP); none when empty.
  std::function<void(const std::string&)> warn;
};

}  // namespace ig::oci::remote
