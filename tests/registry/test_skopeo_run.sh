#!/bin/bash
# A gadget that skopeo wrote into a registry runs: we build trace_fchmodat, skopeo copies it from
# our store directory (oci:) and, registry to registry, from our push; a fresh store pulls each
# copy and `ig run` traces a chmod with it. Needs root and tracefs: fails, saying so, without.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || [ ! -d /sys/kernel/tracing/events ]; then
  fail "ig run needs root and tracefs (mount -t tracefs nodev /sys/kernel/tracing)"
fi

PORT=$(free_port)
REG=127.0.0.1:$PORT
start_registry plain "$PORT"
wait_http "http://$REG/v2/"
FLAGS=(--insecure-registries "$REG")

REF=$REG/ours/trace_fchmodat:v1
export IG_OCI_STORE=$T/store-a
"$IG" image build -t "$REF" "$TESTS_DIR/../e2e/gadgets/trace_fchmodat" > "$T/build.log" 2>&1 \
  || { cat "$T/build.log"; fail "build"; }
"$IG" image push "$REF" "${FLAGS[@]}" > /dev/null
DIGEST=$("$MAKE_TEST_IMAGE" digest "$T/store-a" "$REF")

# skopeo writes both copies: from our store directory, and from the registry after our push.
skopeo copy --all -q --dest-tls-verify=false "oci:$T/store-a:$REF" "docker://$REG/skopeo/from-store:v1"
skopeo copy --all -q --src-tls-verify=false --dest-tls-verify=false \
  "docker://$REF" "docker://$REG/skopeo/from-registry:v1"

marker=$T/skopeo-run-chmod-marker
touch "$marker"
for copy in from-store from-registry; do
  ref=$REG/skopeo/$copy:v1
  export IG_OCI_STORE=$T/store-$copy
  "$IG" image pull "$ref" "${FLAGS[@]}" > /dev/null
  [ "$("$MAKE_TEST_IMAGE" digest "$T/store-$copy" "$ref")" = "$DIGEST" ] || fail "$copy: skopeo's copy has another digest"
  "$IG" run "$ref" --verify-image=false --host --timeout 2 -o json > "$T/run.out" 2> "$T/run.err" &
  run_pid=$!
  for _ in $(seq 18); do chmod 0600 "$marker"; sleep 0.1; done
  wait "$run_pid" || { cat "$T/run.err" >&2; fail "ig run $ref failed"; }
  grep -q "skopeo-run-chmod-marker" "$T/run.out" || { head -5 "$T/run.out" "$T/run.err" >&2; fail "$copy: no event for the chmod"; }
  pass "ig run uses the image skopeo copied ($copy) and traces the chmod"
done
