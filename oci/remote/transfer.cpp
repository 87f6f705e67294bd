#include "oci/remote/transfer.hpp"

#include "oci/copy.hpp"
#include "oci/remote/repository.hpp"
#include "util/error.hpp"

namespace ig::oci::remote {

CopyOptions platform_copy_options(const std::string& platform, CopyOptions options) {
  options.platform_architecture.reset();
  if (platform.empty()) return options;
  auto slash = platform.find('/');
  std::string os = platform.substr(0, slash);
  std::string arch = slash == std::string::npos ? "" : platform.substr(slash + 1);
  if (os != "linux" || arch.empty() || arch.find('/') != std::string::npos)
    throw Error(ErrorCode::InvalidArgument, "--platform " + platform + ": expected linux/<architecture>");
  options.platform_architecture = arch;
  return options;
}

Descriptor push_image(const Reference& ref, LayoutStore& store, const RegistryOptions& options,
                      const CopyOptions& copy) {
  Repository repo(ref, options);
  return oci::copy(store, ref.str(), repo, ref.str(), platform_copy_options("", copy));
}

Descriptor copy_image(const Reference& src, const Reference& dst, const RegistryOptions& options,
                      const CopyOptions& copy) {
  Repository from(src, options);
  Repository to(dst, options);
  if (src.registry == dst.registry) to.set_mount_from(src.repository);
  return oci::copy(from, src.str(), to, dst.str(), platform_copy_options("", copy));
}

}  // namespace ig::oci::remote
