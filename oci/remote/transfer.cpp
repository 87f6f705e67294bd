#include "oci/remote/transfer.hpp"

#include "oci/copy.hpp"
#include "oci/remote/repository.hpp"
#include "util/error.hpp"

namespace ig::oci::remote {

namespace {

CopyOptions copy_options(const std::string& platform) {
  CopyOptions options;
  if (platform.empty()) return options;
  auto slash = platform.find('/');
  std::string os = platform.substr(0, slash);
  std::string arch = slash == std::string::npos ? "" : platform.substr(slash + 1);
  if (os != "linux" || arch.empty() || arch.find('/') != std::string::npos)
    throw Error(ErrorCode::InvalidArgument, "--platform " + platform + ": expected linux/<architecture>");
  options.platform_architecture = arch;
  return options;
}

}  // namespace

Descriptor pull_image(const Reference& ref, LayoutStore& store, const RegistryOptions& options,
                      const std::string& platform) {
  Repository repo(ref, options);
  return copy(repo, ref.str(), store, ref.str(), copy_options(platform));
}

Descriptor push_image(const Reference& ref, LayoutStore& store, const RegistryOptions& options) {
  Repository repo(ref, options);
  return copy(store, ref.str(), repo, ref.str());
}

Descriptor copy_image(const Reference& src, const Reference& dst, const RegistryOptions& options) {
  Repository from(src, options);
  Repository to(dst, options);
  if (src.registry == dst.registry) to.set_mount_from(src.repository);
  return copy(from, src.str(), to, dst.str());
}

}  // namespace ig::oci::remote
