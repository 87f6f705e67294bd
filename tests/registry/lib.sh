# Shared helpers of the registry tests (sourced). Every test starts its own docker-registry
# instances on free loopback ports in a private temp dir, and stops them on exit.
set -euo pipefail

: "${IG:?IG must point at the ig binary}"
: "${MAKE_TEST_IMAGE:?MAKE_TEST_IMAGE must point at the test helper}"
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
T=$(mktemp -d /tmp/ig-registry-test.XXXXXX)
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${KEEP_TEST_DIR:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

free_port() {
  $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http URL [curl options...]: until the server answers anything (up to 10 s).
wait_http() {
  local url=$1; shift
  for _ in $(seq 200); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url" || true)
    [ "$code" != 000 ] && return 0
    sleep 0.05
  done
  fail "$url did not come up"
}

# start_registry NAME PORT [YAML_EXTRA_FILE]: config in $T/NAME.yml, data in $T/NAME-data.
# Sets LAST_PID. The extra file is appended to the config (auth:, http.tls, ...).
start_registry() {
  local name=$1 port=$2 extra=${3:-}
  {
    echo "version: 0.1"
    echo "log: {level: error, accesslog: {disabled: true}}"
    echo "storage: {filesystem: {rootdirectory: $T/$name-data}, delete: {enabled: true}}"
    echo "http:"
    echo "  addr: 127.0.0.1:$port"
    echo "  secret: ig-registry-test"
    [ -n "$extra" ] && cat "$extra"
  } > "$T/$name.yml"
  docker-registry serve "$T/$name.yml" >> "$T/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# store_state STORE: index.json and the sorted blob list, to check a store is unchanged.
store_state() {
  local s=$1
  { cat "$s/index.json" 2>/dev/null || true; echo; find "$s/blobs" -type f 2>/dev/null | sort; }
}

# blobs_verified STORE: every blob hashes to its name (no partial or corrupt blob stored).
blobs_verified() {
  local f
  for f in "$1"/blobs/sha256/*; do
    [ -e "$f" ] || continue
    [ "$(sha256sum < "$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || { echo "bad blob $f"; return 1; }
  done
}

# expect_failure PATTERN CMD...: CMD must fail and its stderr must match PATTERN.
expect_failure() {
  local pattern=$1; shift
  if "$@" > "$T/out" 2> "$T/err"; then fail "expected failure: $*"; fi
  grep -qE "$pattern" "$T/err" || { cat "$T/err" >&2; fail "error of '$*' does not match /$pattern/"; }
  echo "   error: $(head -1 "$T/err")"
}
