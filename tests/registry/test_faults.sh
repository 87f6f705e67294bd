#!/bin/bash
# Faults: a proxy serving wrong bytes under a digest is refused with the store unchanged; a
# connection cut mid-blob is resumed with Range; the registry killed in the middle of a pull
# (and of a push) gives a clear error, an intact store, and a rerun completes.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port)
REG=127.0.0.1:$PORT
start_registry reg "$PORT"
REG_PID=$LAST_PID
wait_http "http://$REG/v2/"

export IG_OCI_STORE=$T/store-a
DIGEST=$("$MAKE_TEST_IMAGE" create "$T/store-a" "$REG/gadget/big:v1" $((24 << 20)) 21)
"$IG" image push "$REG/gadget/big:v1" --insecure-registries "$REG" > /dev/null

proxy() {  # proxy MODE -> sets PROXY (host:port)
  local p; p=$(free_port)
  $PY "$TESTS_DIR/fault_proxy.py" "$p" "$PORT" "$1" 2> "$T/proxy-$1.log" &
  PIDS+=($!)
  PROXY_PID=$!
  PROXY=127.0.0.1:$p
  wait_http "http://$PROXY/v2/"
}

# Wrong bytes under the right digest and size.
proxy corrupt
export IG_OCI_STORE=$T/store-b
"$MAKE_TEST_IMAGE" create "$T/store-b" "$PROXY/gadget/other:v1" 1000 3 > /dev/null
before=$(store_state "$T/store-b")
expect_failure "digest mismatch" "$IG" image pull "$PROXY/gadget/big:v1" --insecure-registries "$PROXY"
[ "$(store_state "$T/store-b")" = "$before" ] || fail "the store changed after a refused pull"
pass "corrupted blob refused, store unchanged"
kill "$PROXY_PID"

# Connection cut once in the middle of a blob: resumed with a Range request.
proxy drop-once
export IG_OCI_STORE=$T/store-c
"$IG" image pull "$PROXY/gadget/big:v1" --insecure-registries "$PROXY" > /dev/null
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-c" "$PROXY/gadget/big:v1")" = "$DIGEST" ] || fail "resumed pull digest"
grep -q "range .*bytes=[1-9]" "$T/proxy-drop-once.log" || fail "no Range request after the cut"
pass "dropped connection resumed with a Range request"
kill "$PROXY_PID"

# Registry killed in the middle of a pull (a slow proxy keeps the pull in flight).
proxy slow
export IG_OCI_STORE=$T/store-d
"$MAKE_TEST_IMAGE" create "$T/store-d" "$PROXY/gadget/other:v1" 1000 4 > /dev/null
before=$(cat "$T/store-d/index.json")
"$IG" image pull "$PROXY/gadget/big:v1" --insecure-registries "$PROXY" > "$T/out" 2> "$T/err" &
PULL=$!
sleep 3
kill -9 "$REG_PID"
if wait "$PULL"; then fail "pull succeeded with the registry killed"; fi
grep -qE "HTTP 502|Failed|connection|Connection" "$T/err" || { cat "$T/err"; fail "unclear error"; }
echo "   error: $(head -1 "$T/err")"
[ "$(cat "$T/store-d/index.json")" = "$before" ] || fail "index.json changed after the failed pull"
blobs_verified "$T/store-d" || fail "partial blob in the store"
pass "registry killed mid-pull: clear error, store intact"

start_registry reg "$PORT"
REG_PID=$LAST_PID
wait_http "http://$REG/v2/"
"$IG" image pull "$PROXY/gadget/big:v1" --insecure-registries "$PROXY" > /dev/null
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-d" "$PROXY/gadget/big:v1")" = "$DIGEST" ] || fail "rerun digest"
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-d" "$PROXY/gadget/other:v1")" != "" ] || fail "other image lost"
pass "rerun after restarting the registry completes"

# Registry killed in the middle of a push through the slow proxy.
export IG_OCI_STORE=$T/store-a
DIGEST2=$("$MAKE_TEST_IMAGE" create "$T/store-a" "$PROXY/gadget/big2:v1" $((6 << 20)) 22)
before=$(store_state "$T/store-a")
"$IG" image push "$PROXY/gadget/big2:v1" --insecure-registries "$PROXY" > "$T/out" 2> "$T/err" &
PUSH=$!
sleep 1
kill -9 "$REG_PID"
if wait "$PUSH"; then fail "push succeeded with the registry killed"; fi
echo "   error: $(head -1 "$T/err")"
[ "$(store_state "$T/store-a")" = "$before" ] || fail "local store changed by a push"
start_registry reg "$PORT"
wait_http "http://$REG/v2/"
"$IG" image push "$PROXY/gadget/big2:v1" --insecure-registries "$PROXY" > /dev/null
skopeo inspect --raw --tls-verify=false "docker://$REG/gadget/big2:v1" \
  | cmp - "$T/store-a/blobs/sha256/${DIGEST2#sha256:}" || fail "pushed bytes differ after rerun"
pass "registry killed mid-push: rerun completes"
