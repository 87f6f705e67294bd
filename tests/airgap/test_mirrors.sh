#!/bin/bash
# Mirror failover with real docker-registry instances on loopback, through registries.conf
# ($CONTAINERS_REGISTRIES_CONF): mirrors first, then the primary; mirror-by-digest-only; the
# error lists every endpoint tried.
set -euo pipefail
# shellcheck source=tests/airgap/lib.sh
source "$(dirname "$0")/lib.sh"
: "${MIRROR_PULL:?MIRROR_PULL must point at the mirror_pull helper}"

P_PORT=$(free_port)
M_PORT=$(free_port)
PRIMARY=127.0.0.1:$P_PORT
MIRROR=127.0.0.1:$M_PORT
start_registry primary "$P_PORT"; P_PID=$LAST_PID
start_registry mirror "$M_PORT"; M_PID=$LAST_PID
wait_http "http://$PRIMARY/v2/"
wait_http "http://$MIRROR/v2/"

stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

REF=$PRIMARY/gadgets/trace:v1
ONLY_PRIMARY=$PRIMARY/gadgets/only-primary:v1
S=$T/src
digest=$("$MAKE_TEST_IMAGE" create "$S" "$REF" 2048 3)
"$MAKE_TEST_IMAGE" create "$S" "$ONLY_PRIMARY" 1024 4 > /dev/null
for r in "$REF" "$ONLY_PRIMARY"; do in_store "$S" "$IG" image push "$r" --insecure-registries "$PRIMARY" > /dev/null; done
in_store "$S" "$IG" image tag "$REF" "$MIRROR/mirrored/gadgets/trace:v1" > /dev/null
in_store "$S" "$IG" image push "$MIRROR/mirrored/gadgets/trace:v1" --insecure-registries "$MIRROR" > /dev/null

cat > "$T/registries.conf" <<CONF
[[registry]]
prefix = "$PRIMARY/gadgets"
location = "$PRIMARY/gadgets"
insecure = true

[[registry.mirror]]
location = "$MIRROR/mirrored/gadgets"
insecure = true
CONF
export CONTAINERS_REGISTRIES_CONF=$T/registries.conf

# pull REF: into a fresh store each time ($T/store-<call number>, recorded in $T/last).
pull() {
  local store
  store=$(mktemp -d "$T/store-XXXXXX")
  echo "$store" > "$T/last"
  "$MIRROR_PULL" "$store" "$1"
}
stored_digest() { "$MAKE_TEST_IMAGE" digest "$(cat "$T/last")" "$1"; }

[ "$(pull "$REF")" = "$MIRROR/mirrored/gadgets/trace:v1 $digest" ] || fail "mirror not tried first"
[ "$(stored_digest "$REF")" = "$digest" ] || fail "image not stored under its primary name"
pass "mirror serves first, image stored under the requested name"

[ "$(pull "$ONLY_PRIMARY")" = "$ONLY_PRIMARY $("$MAKE_TEST_IMAGE" digest "$S" "$ONLY_PRIMARY")" ] \
  || fail "image missing on the mirror was not pulled from the primary"
pass "mirror lacks the image: primary serves"

stop "$P_PID"
[ "$(pull "$REF")" = "$MIRROR/mirrored/gadgets/trace:v1 $digest" ] || fail "primary down: mirror did not serve"
pass "primary down: mirror serves"

start_registry primary "$P_PORT"; P_PID=$LAST_PID
wait_http "http://$PRIMARY/v2/"
stop "$M_PID"
[ "$(pull "$REF")" = "$REF $digest" ] || fail "mirror down: primary did not serve"
pass "mirror down: primary serves"

stop "$P_PID"
expect_failure "every endpoint failed: mirror $MIRROR/mirrored/gadgets/trace:v1: .*; $PRIMARY/gadgets/trace:v1: " pull "$REF"
pass "both down: the error lists every endpoint"

# mirror-by-digest-only: with the primary down, a tag pull does not touch the mirror; a digest
# pull is served by it.
start_registry mirror "$M_PORT"; M_PID=$LAST_PID
wait_http "http://$MIRROR/v2/"
sed -i 's/^insecure = true$/insecure = true\nmirror-by-digest-only = true/;' "$T/registries.conf"
grep -q "mirror-by-digest-only = true" "$T/registries.conf" || fail "conf edit"
expect_failure "every endpoint failed: $PRIMARY/gadgets/trace:v1: " pull "$REF"
grep -q "$MIRROR" "$T/err" && fail "tag pull tried the mirror despite mirror-by-digest-only"
[ "$(pull "$PRIMARY/gadgets/trace@$digest")" = "$MIRROR/mirrored/gadgets/trace@$digest $digest" ] \
  || fail "digest pull not served by the mirror"
pass "mirror-by-digest-only honoured"
