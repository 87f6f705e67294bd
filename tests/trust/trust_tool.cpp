// Test helper of the trust integration tests: moves an image's signatures between the local
// store and a registry with trust::copy_signatures (what push/pull/copy call).
//   trust_tool push STORE REF [INSECURE_REGISTRY]   store -> registry
//   trust_tool pull STORE REF [INSECURE_REGISTRY]   registry -> store (image must be pulled)
#include <iostream>
#include <string>

#include "oci/layout_store.hpp"
#include "oci/reference.hpp"
#include "oci/remote/repository.hpp"
#include "trust/signatures.hpp"
#include "util/error.hpp"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: trust_tool push|pull STORE REF [INSECURE_REGISTRY]\n";
    return 2;
  }
  try {
    std::string mode = argv[1];
    ig::oci::LayoutStore store(argv[2]);
    auto ref = ig::oci::parse_reference(argv[3]);
    ig::oci::remote::RegistryOptions options;
    if (argc > 4) options.insecure_registries.push_back(argv[4]);
    ig::oci::remote::Repository repo(ref, options);
    auto digest = store.resolve(ref.str()).digest;
    size_t n = mode == "push" ? ig::trust::copy_signatures(store, repo, digest)
                              : ig::trust::copy_signatures(repo, store, digest);
    std::cout << n << "\n";
  } catch (const ig::Error& e) {
    std::cerr << "trust_tool: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
