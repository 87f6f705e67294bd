#!/bin/bash
# Interoperability with skopeo's oci-archive transport: skopeo reads the tar `ig image export`
# writes, and `ig image import` reads the tars skopeo writes (ref.name = a tag, or none).
set -euo pipefail
# shellcheck source=tests/airgap/lib.sh
source "$(dirname "$0")/lib.sh"

REF=127.0.0.1:1/airgap/interop:v1
A=$T/store-a
digest=$("$MAKE_TEST_IMAGE" create "$A" "$REF" 4096 7)
in_store "$A" "$IG" image export "$REF" "$T/ours.tar" > /dev/null

# skopeo reads our archive: the raw index it serves hashes to the image digest, and it copies
# every platform out of it.
skopeo inspect --raw "oci-archive:$T/ours.tar:$REF" > "$T/raw.json"
[ "sha256:$(sha256sum < "$T/raw.json" | cut -d' ' -f1)" = "$digest" ] || fail "skopeo reads a different index"
skopeo copy -q --all --preserve-digests "oci-archive:$T/ours.tar:$REF" "oci:$T/skopeo-dir:copied" > /dev/null
[ "$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]=="copied") | .digest' "$T/skopeo-dir/index.json")" = "$digest" ] \
  || fail "skopeo copy out of our archive changed the digest"
pass "skopeo reads our archive"

# skopeo writes ref.name as given: a bare tag needs --name to become a full reference.
skopeo copy -q --all --preserve-digests "oci:$A:$REF" "oci-archive:$T/tagged.tar:v2" > /dev/null
B=$T/store-b
expect_failure "give --name" in_store "$B" "$IG" image import "$T/tagged.tar"
out=$(in_store "$B" "$IG" image import "$T/tagged.tar" --name 127.0.0.1:1/airgap/from-skopeo)
printf '%s\n' "$out" | grep -qx "  127.0.0.1:1/airgap/from-skopeo:v2" || fail "import --name: $out"
[ "$("$MAKE_TEST_IMAGE" digest "$B" 127.0.0.1:1/airgap/from-skopeo:v2)" = "$digest" ] || fail "imported digest differs"
pass "import skopeo archive named by a tag"

# Without a name at all, --name gives the one image its full reference.
skopeo copy -q --all --preserve-digests "oci:$A:$REF" "oci-archive:$T/unnamed.tar" > /dev/null
expect_failure "no image has a name" in_store "$B" "$IG" image import "$T/unnamed.tar"
in_store "$B" "$IG" image import "$T/unnamed.tar" --name 127.0.0.1:1/airgap/unnamed:v3 > /dev/null
[ "$("$MAKE_TEST_IMAGE" digest "$B" 127.0.0.1:1/airgap/unnamed:v3)" = "$digest" ] || fail "unnamed import digest differs"
pass "import skopeo archive without a name"
