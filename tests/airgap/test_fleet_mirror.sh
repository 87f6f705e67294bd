#!/bin/bash
# A fleet configured with a mirror runs `ig run ghcr.io/inspektor-gadget/gadget/<gadget>:TAG`
# unchanged while ghcr.io is unreachable (this machine has no route to it): the image and its
# signature come from the mirror named in registries.conf, verification passes against the
# signing key, and the (tracepoint) gadget runs natively. Also `ig image pull` through the mirror.
set -euo pipefail
# shellcheck source=tests/airgap/lib.sh
source "$(dirname "$0")/lib.sh"

GADGET=$AIRGAP_DIR/../e2e/gadgets/trace_fchmodat
M_PORT=$(free_port)
P_PORT=$(free_port)
MIRROR=127.0.0.1:$M_PORT
PUBLIC=127.0.0.1:$P_PORT  # stands in for the public registry the images are published on
start_registry mirror "$M_PORT"; M_PID=$LAST_PID
start_registry public "$P_PORT"; P_PID=$LAST_PID
wait_http "http://$MIRROR/v2/"
wait_http "http://$PUBLIC/v2/"

# The publisher builds, signs and publishes two tags.
REF=ghcr.io/inspektor-gadget/gadget/trace_fchmodat:v9
A=$T/publisher
in_store "$A" "$IG" image build -t "$REF" "$GADGET" > "$T/build.log" 2>&1 || { cat "$T/build.log"; fail "build"; }
in_store "$A" "$IG" image sign --generate-key "$T/key.pem" "$REF" > /dev/null
for tag in v9 v10; do
  in_store "$A" "$IG" image tag "$REF" "$PUBLIC/gadget/trace_fchmodat:$tag" > /dev/null
  in_store "$A" "$IG" image push "$PUBLIC/gadget/trace_fchmodat:$tag" --insecure-registries "$PUBLIC" > /dev/null ||
    fail "publish $tag"
done

# The operator fills the mirror: every tag, with signatures, registry to registry.
MIRRORED=$MIRROR/ig-mirror/trace_fchmodat:v9
"$IG" image copy --all-tags "$PUBLIC/gadget/trace_fchmodat" "$MIRROR/ig-mirror/trace_fchmodat" \
  --insecure-registries "$PUBLIC,$MIRROR" > "$T/copy.out" 2>&1 || { cat "$T/copy.out"; fail "copy --all-tags"; }
for tag in v9 v10; do
  grep -q "^Successfully copied $MIRROR/ig-mirror/trace_fchmodat:$tag@" "$T/copy.out" || fail "copy output: $(cat "$T/copy.out")"
done
kill "$P_PID"; wait "$P_PID" 2> /dev/null || true
pass "ig image copy --all-tags fills the mirror"

cat > "$T/registries.conf" <<CONF
[[registry]]
prefix = "ghcr.io/inspektor-gadget/gadget"
location = "ghcr.io/inspektor-gadget/gadget"

[[registry.mirror]]
location = "$MIRROR/ig-mirror"
insecure = true
CONF
export CONTAINERS_REGISTRIES_CONF=$T/registries.conf

# A fleet host: empty store, the publisher's public key, the unchanged upstream reference.
B=$T/fleet-host
marker=$T/fleet-chmod-marker
touch "$marker"
in_store "$B" "$IG" run "$REF" --host --timeout 5 --public-keys "$T/key.pub" -o json \
  > "$T/run.out" 2> "$T/run.err" &
run_pid=$!
for _ in $(seq 45); do chmod 0600 "$marker"; sleep 0.1; done
wait "$run_pid" || { cat "$T/run.err" >&2; fail "ig run $REF through the mirror failed"; }
grep -q "fleet-chmod-marker" "$T/run.out" || { head -5 "$T/run.out" "$T/run.err" >&2; fail "no event for the marker chmod"; }
in_store "$B" "$IG" image verify "$REF" --public-keys "$T/key.pub" > /dev/null || fail "signature not stored with the image"
pass "ig run $REF unchanged: pulled from the mirror, verified, ran"

# The same through `ig image pull`, and the error when the mirror is down too.
C=$T/other-host
in_store "$C" "$IG" image pull "$REF" > "$T/pull.out" 2>&1 || { cat "$T/pull.out"; fail "ig image pull through the mirror"; }
grep -q "^Successfully pulled $REF@" "$T/pull.out" || fail "pull output: $(cat "$T/pull.out")"
pass "ig image pull $REF through the mirror"

kill "$M_PID"; wait "$M_PID" 2> /dev/null || true
expect_failure "every endpoint failed: mirror $MIRRORED: .*; $REF: " in_store "$T/third-host" "$IG" image pull "$REF"
pass "mirror and primary down: the error names both endpoints"
