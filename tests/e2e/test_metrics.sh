#!/bin/bash
# Metrics as upstream's otel-metrics operator serves them, scraped with curl while ig runs on
# this kernel and read with Prometheus' own text parser (python3-prometheus-client): a counter
# and a histogram from --annotate on a tracepoint gadget, with a key label, and the log2
# latency histogram of upstream's profile_blockio. Needs root and tracefs; fails without.
# Usage: IG=path/to/ig test_metrics.sh E2E_GADGETS_DIR UPSTREAM_GADGETS_DIR
set -euo pipefail
IG=$(realpath "${IG:?IG must point at the ig binary}")
e2e_gadgets=$(realpath "${1:?usage: test_metrics.sh E2E_GADGETS_DIR UPSTREAM_GADGETS_DIR}")
upstream_gadgets=$(realpath "${2:?usage: test_metrics.sh E2E_GADGETS_DIR UPSTREAM_GADGETS_DIR}")
T=$(mktemp -d /tmp/ig-metrics-test.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2> /dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
[ "$(id -u)" = 0 ] || fail "the metrics test needs root"
/usr/bin/python3 -c 'import prometheus_client' 2> /dev/null || fail "python3-prometheus-client is missing (scripts/install-deps.sh)"
export IG_OCI_STORE=$T/store HOME=$T/home
"$IG" image build -t metrics/fchmodat:v1 "$e2e_gadgets/trace_fchmodat" > "$T/build.log" 2>&1 || fail "build: $(tail -3 "$T/build.log")"
"$IG" image build -t metrics/profile_blockio:v1 "$upstream_gadgets/profile_blockio" > "$T/build.log" 2>&1 ||
  fail "build profile_blockio: $(tail -3 "$T/build.log")"
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_ig OUT PORT ARGS...: ig run in the background, until its endpoint answers.
start_ig() {
  local out=$1 port=$2
  shift 2
  "$IG" run "$@" --verify-image=false --host -o none --otel-metrics-listen-address "127.0.0.1:$port" \
    > "$out" 2> "$out.err" &
  ig_pid=$!
  pids+=("$ig_pid")
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/metrics" > /dev/null && { sleep 0.5; return 0; }  # attached by now
    kill -0 "$ig_pid" 2> /dev/null || fail "ig exited: $(cat "$out.err")"
    sleep 0.1
  done
  fail "the metrics endpoint did not answer: $(cat "$out.err")"
}

# prom FILE PYTHON: runs PYTHON with `families` = {name: family} parsed from FILE.
prom() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
families = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
exec(sys.argv[2])
PY
}

# 1. A counter (implicit, one per event) and a histogram of a field, keyed by comm, from
# annotations given on the command line; the endpoint is read while the gadget runs.
port=$(free_port)
start_ig "$T/chmod" "$port" metrics/fchmodat:v1 --otel-metrics-listen --otel-metrics-name fchmodat:chmod-metrics \
  --annotate 'fchmodat:metrics.collect=true,fchmodat:metrics.implicit-counter.name=chmods,fchmodat.proc.comm:metrics.type=key,fchmodat.mode:metrics.type=histogram'
cp /bin/chmod "$T/igmetricchmod"
touch "$T/file"
for mode in 600 644 644 755 7; do "$T/igmetricchmod" "$mode" "$T/file"; done
sleep 0.5
curl -sf "http://127.0.0.1:$port/metrics" > "$T/scrape1" || fail "scrape"
kill -INT "$ig_pid"
wait "$ig_pid" || fail "ig exited with $?: $(cat "$T/chmod.err")"
prom "$T/scrape1" '
mine = {"otel_scope_name": "chmod-metrics", "otel_scope_version": "", "proc_comm": "igmetricchmod"}
counter = families["chmods"]
assert counter.type == "counter", counter
[total] = [s for s in counter.samples if s.name == "chmods_total" and s.labels == mine]
assert total.value == 5, total
hist = families["mode"]
assert hist.type == "histogram", hist
samples = {(s.name, s.labels.get("le")): s.value for s in hist.samples if s.labels.get("proc_comm") == "igmetricchmod"}
assert samples[("mode_count", None)] == 5, samples
assert samples[("mode_sum", None)] == 0o600 + 0o644 * 2 + 0o755 + 7, samples
assert samples[("mode_bucket", "5")] == 0 and samples[("mode_bucket", "10")] == 1, samples
assert samples[("mode_bucket", "250")] == 1 and samples[("mode_bucket", "500")] == 5, samples
assert samples[("mode_bucket", "+Inf")] == 5, samples
assert families["otel_scope_info"].samples[0].labels["otel_scope_name"] == "chmod-metrics"
' || fail "counter and histogram (scrape in $T/scrape1)"
pass "implicit counter and field histogram keyed by comm, parsed by prometheus_client"

# 2. profile_blockio's log2 latency slots as an upstream-style histogram (le 1 .. 2^26).
port=$(free_port)
start_ig "$T/blockio" "$port" metrics/profile_blockio:v1 --otel-metrics-listen \
  --otel-metrics-name blockio:blockio-metrics --annotate blockio:metrics.collect=true
dd if=/dev/zero of="$T/blockio-probe" bs=4k count=256 oflag=direct 2> /dev/null
sync
sleep 1.5  # the map is fetched once a second
curl -sf "http://127.0.0.1:$port/metrics" > "$T/scrape2" || fail "scrape"
kill -INT "$ig_pid"
wait "$ig_pid" || fail "ig exited with $?: $(cat "$T/blockio.err")"
grep -q '^latency_bucket{otel_scope_name="blockio-metrics",otel_scope_version="",le="1.048576e+06"} ' "$T/scrape2" ||
  fail "le values are not written as upstream writes them: $(grep latency_bucket "$T/scrape2" | head -3)"
prom "$T/scrape2" '
hist = families["latency"]
assert hist.type == "histogram", hist
buckets = [(float(s.labels["le"]), s.value) for s in hist.samples if s.name == "latency_bucket"]
assert [le for le, _ in buckets[:-1]] == [2.0 ** i for i in range(27)], buckets
counts = [v for _, v in buckets]
assert counts == sorted(counts), counts
count = [s.value for s in hist.samples if s.name == "latency_count"][0]
assert count >= 256 and counts[-1] == count, (count, counts)
assert all(s.labels["otel_scope_name"] == "blockio-metrics" for s in hist.samples)
' || fail "blockio histogram (scrape in $T/scrape2)"
pass "profile_blockio latency as a log2 histogram, as upstream exports it"

# 3. Misuse: metrics.collect without a name is not exported and says so; a taken address is
# one line naming it. The listener can also come from the configuration.
port=$(free_port)
INSPEKTOR_GADGET_OPERATOR_OTEL_METRICS_OTEL_METRICS_LISTEN=true \
  start_ig "$T/noname" "$port" metrics/fchmodat:v1 --annotate fchmodat:metrics.collect=true,fchmodat:metrics.implicit-counter.name=chmods
"$T/igmetricchmod" 600 "$T/file"
sleep 0.3
curl -sf "http://127.0.0.1:$port/metrics" > "$T/scrape3" || fail "scrape"
grep -q chmods "$T/scrape3" && fail "metrics exported without --otel-metrics-name"
grep -q "data source fchmodat has metrics.collect=true but no --otel-metrics-name fchmodat:NAME" "$T/noname.err" ||
  fail "no warning: $(cat "$T/noname.err")"
if "$IG" run metrics/fchmodat:v1 --verify-image=false --otel-metrics-listen \
  --otel-metrics-listen-address "127.0.0.1:$port" --timeout 1 > /dev/null 2> "$T/taken.err"; then
  fail "ig ran on a taken address"
fi
grep -q "^Error: --otel-metrics-listen-address 127.0.0.1:$port: cannot listen: Address already in use$" "$T/taken.err" ||
  fail "taken address: $(cat "$T/taken.err")"
kill -INT "$ig_pid"
wait "$ig_pid" || true
pass "an unnamed data source is not exported (warned), a taken address is one error line, the listener from the environment"
echo PASS
