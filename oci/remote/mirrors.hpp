// Registry mirrors for air-gapped fleets: the subset of containers-registries.conf(5) (v2) that
// decides where an image is pulled from, endpoint selection, a pull that fails over across the
// endpoints, and the configurable default registry/prefix for short gadget names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "oci/copy.hpp"
#include "oci/descriptor.hpp"
#include "oci/layout_store.hpp"
#include "oci/reference.hpp"
#include "oci/remote/options.hpp"

namespace ig::oci::remote {

struct Mirror {
  enum class PullFrom { All, DigestOnly, TagOnly };
  std::string location;  // "host[:port][/namespace]"
  bool insecure = false;
  PullFrom pull_from = PullFrom::All;  // `pull-from-mirror`
};

// One [[registry]] table.
struct RegistryConfig {
  std::string prefix;    // "host[/ns...]", possibly with tag/digest, or "*.domain"
  std::string location;  // replaces the prefix; empty with a wildcard prefix (no rewrite)
  bool insecure = false;
  bool blocked = false;
  bool mirror_by_digest_only = false;
  std::vector<Mirror> mirrors;
};

struct RegistriesConf {
  std::vector<RegistryConfig> registries;
};

// Parses registries.conf text (`source` names it in errors). Keys outside the subset
// (unqualified-search-registries, short-name-mode, aliases, credential-helpers, proxy) are
// ignored: ig has its own short-name rules. The v1 format ([registries.search] ...) is refused.
RegistriesConf parse_registries_conf(std::string_view text, const std::string& source);

// $CONTAINERS_REGISTRIES_CONF when set (that file only); else /etc/containers/registries.conf
// followed by /etc/containers/registries.conf.d/*.conf in name order, where a [[registry]] with
// the prefix of an earlier one replaces it. Missing files are an empty configuration.
RegistriesConf load_registries_conf();

// Where one pull attempt goes.
struct Endpoint {
  Reference reference;  // the image under this endpoint's name
  bool insecure = false;
  bool mirror = false;
};

// The endpoints to try for pulling `ref`, in order: the mirrors of the [[registry]] with the
// longest prefix matching `ref` at a separator boundary (only those allowed for a tag or digest
// pull), then the primary location (the rewritten name, or `ref` itself). Throws Error(Denied)
// when that registry is blocked.
std::vector<Endpoint> pull_endpoints(const Reference& ref, const RegistriesConf& conf);

struct MirroredPull {
  Descriptor root;
  Endpoint served_by;  // where signatures of the image should be fetched from too
};

// Pulls `ref` into `store` (tagged ref.str()) from the first endpoint that serves it. An
// endpoint that fails (unreachable, missing image, bad content) hands over to the next; when
// all fail, the Error lists every endpoint tried and why each failed. `platform` and `copy` as
// in platform_copy_options().
MirroredPull pull_with_mirrors(const Reference& ref, LayoutStore& store,
                               const RegistryOptions& options, const RegistriesConf& conf,
                               const std::string& platform = "", const CopyOptions& copy = {});

}  // namespace ig::oci::remote
