#!/bin/bash
# ig killed with SIGKILL in the middle of a pull, a push and an import: the store keeps no
# partial blob (every file under blobs/ hashes to its name), its index.json is unchanged, and
# the same command run again completes. A slow proxy (2 MiB/s) and a throttled pipe keep the
# transfers in flight long enough to be cut.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port)
REG=127.0.0.1:$PORT
start_registry reg "$PORT"
wait_http "http://$REG/v2/"
P=$(free_port)
PROXY=127.0.0.1:$P
$PY "$TESTS_DIR/fault_proxy.py" "$P" "$PORT" slow 2> "$T/proxy.log" & PIDS+=($!)
wait_http "http://$PROXY/v2/"
FLAGS=(--insecure-registries "$PROXY")

export IG_OCI_STORE=$T/store-a
DIGEST=$("$MAKE_TEST_IMAGE" create "$T/store-a" "$PROXY/gadget/big:v1" $((8 << 20)) 31)

# kill_when PID CONDITION...: SIGKILL for PID once CONDITION holds (polled); fails if PID ends
# first, which would leave the test proving nothing.
kill_when() {
  local pid=$1; shift
  for _ in $(seq 400); do
    if "$@"; then
      kill -0 "$pid" 2> /dev/null || fail "ig ended before it could be killed mid-transfer"
      kill -9 "$pid"
      wait "$pid" 2> /dev/null && fail "ig survived SIGKILL"
      return 0
    fi
    kill -0 "$pid" 2> /dev/null || fail "ig ended before it could be killed mid-transfer"
    sleep 0.05
  done
  fail "no transfer in flight after 20 s"
}
ingesting() { compgen -G "$1/ingest/*" > /dev/null; }

# Push killed mid-upload: the local store is untouched, the rerun completes.
before=$(store_state "$T/store-a")
"$IG" image push "$PROXY/gadget/big:v1" "${FLAGS[@]}" > /dev/null 2> "$T/err" &
kill_when $! sleep 1.5
[ "$(store_state "$T/store-a")" = "$before" ] || fail "the store changed under a killed push"
"$IG" image push "$PROXY/gadget/big:v1" "${FLAGS[@]}" > /dev/null
skopeo inspect --raw --tls-verify=false "docker://$REG/gadget/big:v1" \
  | cmp - "$T/store-a/blobs/sha256/${DIGEST#sha256:}" || fail "pushed index differs after the rerun"
pass "push killed mid-upload: store untouched, rerun completes"

# Pull killed while a blob is half written.
export IG_OCI_STORE=$T/store-b
"$MAKE_TEST_IMAGE" create "$T/store-b" "$PROXY/gadget/other:v1" 1000 4 > /dev/null
before=$(cat "$T/store-b/index.json")
"$IG" image pull "$PROXY/gadget/big:v1" "${FLAGS[@]}" > /dev/null 2> "$T/err" &
kill_when $! ingesting "$T/store-b"
[ "$(cat "$T/store-b/index.json")" = "$before" ] || fail "index.json changed under a killed pull"
blobs_verified "$T/store-b" || fail "partial blob in the store"
"$IG" image pull "$PROXY/gadget/big:v1" "${FLAGS[@]}" > /dev/null
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-b" "$PROXY/gadget/big:v1")" = "$DIGEST" ] || fail "rerun digest"
blobs_verified "$T/store-b" || fail "bad blob after the rerun"
pass "pull killed mid-blob: index unchanged, no partial blob, rerun completes"

# Import killed halfway through the archive (fed through a pipe at about 4 MiB/s).
IG_OCI_STORE=$T/store-a "$IG" image export "$PROXY/gadget/big:v1" "$T/big.tar" > /dev/null
export IG_OCI_STORE=$T/store-c
"$MAKE_TEST_IMAGE" create "$T/store-c" "$PROXY/gadget/other:v1" 1000 5 > /dev/null
before=$(cat "$T/store-c/index.json")
mkfifo "$T/pipe.tar"
$PY -c '
import sys, time
data = open(sys.argv[1], "rb").read()
out = open(sys.argv[2], "wb")
for i in range(0, len(data), 256 << 10):
    if i >= len(data) // 2:
        open(sys.argv[3], "w").close()
    out.write(data[i:i + (256 << 10)]); out.flush(); time.sleep(0.06)
' "$T/big.tar" "$T/pipe.tar" "$T/half" 2> /dev/null &
WRITER=$!
"$IG" image import "$T/pipe.tar" > /dev/null 2> "$T/err" &
kill_when $! test -e "$T/half"
kill "$WRITER" 2> /dev/null || true
[ "$(cat "$T/store-c/index.json")" = "$before" ] || fail "index.json changed under a killed import"
blobs_verified "$T/store-c" || fail "partial blob in the store"
"$IG" image import "$T/big.tar" > /dev/null
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-c" "$PROXY/gadget/big:v1")" = "$DIGEST" ] || fail "rerun digest"
pass "import killed halfway: index unchanged, no partial blob, rerun completes"
