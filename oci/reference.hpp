// Image references: "host[:port]/repo[:tag][@digest]", with upstream ig's short-name rules.
#pragma once

#include <string>
#include <string_view>

namespace ig::oci {

struct Reference {
  std::string registry;    // "ghcr.io", "localhost:5000"
  std::string repository;  // "inspektor-gadget/gadget/audit_seccomp"
  std::string tag;         // may be empty when digest is set
  std::string digest;      // "sha256:..." or empty

  std::string name() const { return registry + "/" + repository; }  // no tag/digest
  std::string str() const;  // name[:tag][@digest]
  friend bool operator==(const Reference&, const Reference&) = default;
};

// Default registry and prefix for short gadget names.
struct ShortNameRules {
  std::string registry = "ghcr.io";
  std::string prefix = "inspektor-gadget/gadget/";

  // Upstream's defaults, overridden by $IG_DEFAULT_REGISTRY ("host[:port]") and
  // $IG_DEFAULT_PREFIX ("ns/.../"; may be empty) so a fleet behind an internal registry can use
  // short names (upstream's #5451). Throws Error(InvalidArgument) naming a malformed variable.
  static ShortNameRules from_environment();
};

// Normalises as upstream ig does (SplitIGDomain + normalizeImageName): "audit_seccomp" ->
// "ghcr.io/inspektor-gadget/gadget/audit_seccomp:latest". Throws Error(InvalidArgument)
// naming the reference and the problem.
Reference parse_reference(std::string_view text,
                          const ShortNameRules& rules = ShortNameRules::from_environment());

// `ig image list` shows repositories without the default prefix.
std::string short_repository(const Reference& ref,
                             const ShortNameRules& rules = ShortNameRules::from_environment());

}  // namespace ig::oci
