# shellcheck shell=bash
# Shared helpers of the air-gap tests (sourced): the registry tests' helpers (temp dir, loopback
# docker-registry instances, expect_failure) plus store helpers.
: "${IG:?IG must point at the ig binary}"
: "${MAKE_TEST_IMAGE:?MAKE_TEST_IMAGE must point at make_test_image (tests/registry)}"
AIRGAP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/registry/lib.sh
source "$AIRGAP_DIR/../registry/lib.sh"

# in_store STORE CMD...: runs CMD with IG_OCI_STORE=STORE.
in_store() {
  local store=$1; shift
  IG_OCI_STORE=$store "$@"
}

# tar_entries FILE: "type name" per entry, from tar's verbose listing.
tar_entries() {
  tar -tvf "$1" | awk '{print substr($1,1,1), $NF}'
}
