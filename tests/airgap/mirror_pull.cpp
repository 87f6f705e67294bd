// Test helper for the mirror tests: pulls through the registries.conf endpoints
// ($CONTAINERS_REGISTRIES_CONF) with oci::remote::pull_with_mirrors.
//   mirror_pull STORE REF   -> prints "<endpoint reference> <digest>" of the endpoint that served
#include <iostream>

#include "oci/layout_store.hpp"
#include "oci/remote/mirrors.hpp"
#include "util/error.hpp"

namespace oci = ig::oci;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: mirror_pull STORE REF\n";
    return 2;
  }
  try {
    oci::LayoutStore store(argv[1]);
    auto ref = oci::parse_reference(argv[2]);
    auto result = oci::remote::pull_with_mirrors(ref, store, {}, oci::remote::load_registries_conf());
    std::cout << result.served_by.reference.str() << " " << result.root.digest.str() << "\n";
  } catch (const ig::Error& e) {
    std::cerr << "Error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
