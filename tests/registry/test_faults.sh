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

# A busy registry: every blob GET and upload POST is refused with 429 + Retry-After: 1, then
# with 503, before it is served. Push and pull complete, waiting at least Retry-After.
kill "$PROXY_PID"
proxy busy
export IG_OCI_STORE=$T/store-a
DIGEST3=$("$MAKE_TEST_IMAGE" create "$T/store-a" "$PROXY/gadget/busy:v1" 100000 23)
"$IG" image push "$PROXY/gadget/busy:v1" --insecure-registries "$PROXY" > /dev/null
export IG_OCI_STORE=$T/store-e
"$IG" image pull "$PROXY/gadget/busy:v1" --insecure-registries "$PROXY" > /dev/null
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-e" "$PROXY/gadget/busy:v1")" = "$DIGEST3" ] || fail "busy pull digest"
blobs_verified "$T/store-e" || fail "busy pull stored a bad blob"
# Blob GETs (2 layers and the shared config, by path): 429, then 503, then served.
grep ' /v2/gadget/busy/blobs/sha256:' "$T/proxy-busy.log" > "$T/busy-get.log" || true
n429=$(grep -c '^429 ' "$T/busy-get.log" || true)
n503=$(grep -c '^503 ' "$T/busy-get.log" || true)
nok=$(grep -c '^ok ' "$T/busy-get.log" || true)
[ "$n429" = 3 ] && [ "$n503" = 3 ] && [ "$nok" = 3 ] \
  || fail "busy proxy: $n429 429s, $n503 503s, $nok served: $(cat "$T/proxy-busy.log")"
# The retry after a 429 (the 503) never came before Retry-After's second.
awk '$1 == "503" && $3 < 1.0 { bad = 1 } END { exit bad }' "$T/busy-get.log" \
  || fail "a 429 was retried before its Retry-After: $(cat "$T/proxy-busy.log")"
# Upload POSTs (parallel, same path, so not told apart): refused with 429 and 503 too.
grep -q '^429 /v2/gadget/busy/blobs/uploads/' "$T/proxy-busy.log" \
  && grep -q '^503 /v2/gadget/busy/blobs/uploads/' "$T/proxy-busy.log" || fail "push met no 429/503"
pass "429 with Retry-After and 503 are retried by push and pull"
