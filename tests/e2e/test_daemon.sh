#!/bin/bash
# `ig daemon` and `ig run --remote-address` on this kernel: a tracepoint gadget and a map
# iterator gadget run in the daemon and print at the client as a local run prints them
# (columns header, JSON keys, values), over a unix socket (mode 0660) and over TCP; -F is
# applied by the daemon; SIGINT at the client stops the run and leaves no program loaded; a
# missing daemon, image or param fails in one line; SIGTERM stops the daemon and removes its
# socket; TCP is mutual TLS (or plain with --tls-insecure); a fleet of three daemons, each in
# a network namespace of its own, serves one client run with node-tagged events, and one of
# them killed mid-run is reported while the others stream on; a detached gadget instance
# (--detach, ig list, ig attach, ig delete) survives the client and a daemon restart. Needs root and tracefs; fails without.
# Usage: IG=path/to/ig test_daemon.sh E2E_GADGETS_DIR
set -euo pipefail
IG=$(realpath "${IG:?IG must point at the ig binary}")
gadgets=$(realpath "${1:?usage: test_daemon.sh E2E_GADGETS_DIR}")
T=$(mktemp -d /tmp/ig-daemon-test.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2> /dev/null || true; done  # whatever ignored TERM
  for p in "${pids[@]}"; do wait "$p" 2> /dev/null || true; done
  for n in 1 2 3; do ip netns del "igfleet$n" 2> /dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# ig, bounded: a run that hangs fails the test with its name instead of timing it out.
ig() { timeout -k 5 60 "$IG" "$@"; }
# bounded_wait PID WHAT: wait's exit status, or a failure naming WHAT after 30 s.
bounded_wait() {
  for _ in $(seq 300); do kill -0 "$1" 2> /dev/null || break; sleep 0.1; done
  kill -0 "$1" 2> /dev/null && fail "$2 did not exit within 30 s"
  wait "$1"
}
pass() { echo "ok: $*"; }
[ "$(id -u)" = 0 ] || fail "the daemon test needs root"
export IG_OCI_STORE=$T/store HOME=$T/home
"$IG" image build -t daemon/fchmodat:v1 "$gadgets/trace_fchmodat" > "$T/build.log" 2>&1 || fail "build: $(tail -3 "$T/build.log")"
"$IG" image build -t daemon/top:v1 "$gadgets/top_fchmodat" > "$T/build.log" 2>&1 || fail "build: $(tail -3 "$T/build.log")"
cp /bin/chmod "$T/igdmnchmod"
touch "$T/file"

# start_daemon ADDRESS: ig daemon in the background, until it serves.
start_daemon() {
  "$IG" daemon -H "$1" --instances-dir "$T/none" --verify-image=false > "$T/daemon.log" 2>&1 &
  daemon_pid=$!
  pids+=("$daemon_pid")
  for _ in $(seq 100); do
    grep -q "serving on" "$T/daemon.log" && return 0
    kill -0 "$daemon_pid" 2> /dev/null || fail "ig daemon exited: $(cat "$T/daemon.log")"
    sleep 0.1
  done
  fail "ig daemon did not start: $(cat "$T/daemon.log")"
}

# chmods SECONDS: the distinctive workload, every 0.2 s, in the background.
chmods() {
  (for _ in $(seq $(($1 * 5))); do "$T/igdmnchmod" 600 "$T/file"; sleep 0.2; done) &
  pids+=("$!")
}

# run_both NAME ARGS...: the same run locally and through the daemon, each while chmods run.
run_both() {
  local name=$1
  shift
  chmods 4
  ig run "$@" --verify-image=false -t 3 > "$T/$name.local" 2> "$T/$name.local.err" || fail "local run $name: $(cat "$T/$name.local.err")"
  chmods 4
  ig run --remote-address "$address" "$@" --verify-image=false -t 3 > "$T/$name.remote" 2> "$T/$name.remote.err" ||
    fail "remote run $name: $(cat "$T/$name.remote.err")"
}

address="unix://$T/ig.sock"
start_daemon "$address"
[ "$(stat -c %a "$T/ig.sock")" = 660 ] || fail "socket mode $(stat -c %a "$T/ig.sock"), expected 660"
pass "daemon on $address, socket mode 0660"

# 1. Columns: the same header, the workload's rows with the same cells.
run_both columns daemon/fchmodat:v1 --host
[ "$(head -1 "$T/columns.remote")" = "$(head -1 "$T/columns.local")" ] ||
  fail "headers differ: $(head -1 "$T/columns.remote") vs $(head -1 "$T/columns.local")"
grep -q "igdmnchmod .* 384 .* $T/file" "$T/columns.remote" || fail "no workload row remotely: $(cat "$T/columns.remote")"
pass "columns: header equals the local run's, workload rows printed"

# 2. JSON: the same keys at every level, the workload's values.
run_both json daemon/fchmodat:v1 --host -o json
keys='def keys(v; p): if type == "object" then (to_entries[] | (p + .key), (.value | keys(v; p + .key + "."))) else empty end; [keys(.; "")] | sort | join(",")'
local_keys=$(grep -m1 igdmnchmod "$T/json.local" | jq -r "$keys")
remote_keys=$(grep -m1 igdmnchmod "$T/json.remote" | jq -r "$keys")
[ -n "$remote_keys" ] || fail "no workload event remotely: $(cat "$T/json.remote")"
[ "$remote_keys" = "$local_keys" ] || fail "JSON keys differ: $remote_keys vs $local_keys"
grep -m1 igdmnchmod "$T/json.remote" |
  jq -se --arg f "$T/file" '.[0] | .mode == 384 and .filename == $f and .proc.pid > 0 and (.timestamp | test("^20"))' > /dev/null ||
  fail "remote JSON values: $(grep -m1 igdmnchmod "$T/json.remote")"
pass "json: keys equal the local run's, values of the workload"

# 3. A map-iterator gadget's batches, as JSON arrays.
run_both top daemon/top:v1 --host -o json
jq -e -s 'map(select(type == "array")) | length > 0' "$T/top.remote" > /dev/null || fail "no array batch: $(cat "$T/top.remote")"
jq -e -s '[.[][] | select(.comm == "igdmnchmod")] | length > 0' "$T/top.remote" > /dev/null ||
  fail "the workload is in no batch: $(cat "$T/top.remote")"
pass "array data source: batches as JSON arrays with the workload"

# 4. The filter runs in the daemon.
chmods 4
ig run --remote-address "$address" daemon/fchmodat:v1 --host --verify-image=false -t 3 -o json -F 'proc.comm==nomatch' \
  > "$T/filtered" 2> "$T/filtered.err" || fail "filtered run: $(cat "$T/filtered.err")"
[ ! -s "$T/filtered" ] || fail "-F let events through: $(head -3 "$T/filtered")"
pass "-F applied by the daemon"

# 5. SIGINT at the client stops the run in the daemon: no program of the gadget stays loaded.
"$IG" run --remote-address "$address" daemon/fchmodat:v1 --host --verify-image=false -o json > "$T/int" 2> "$T/int.err" &
client=$!
pids+=("$client")
for _ in $(seq 100); do
  "$T/igdmnchmod" 600 "$T/file"
  grep -q igdmnchmod "$T/int" && break
  sleep 0.1
done
grep -q igdmnchmod "$T/int" || fail "no event before SIGINT: $(cat "$T/int.err")"
kill -INT "$client"
bounded_wait "$client" "the client after SIGINT" || fail "the client exited with $? after SIGINT: $(cat "$T/int.err")"
for _ in $(seq 50); do
  bpftool prog show | grep -q fchmodat || break
  sleep 0.1
done
! bpftool prog show | grep -q fchmodat || fail "a program of the gadget is still loaded: $(bpftool prog show | grep fchmodat)"
kill -0 "$daemon_pid" || fail "the daemon exited with the client"
pass "SIGINT at the client: the run ends, its programs are unloaded, the daemon serves on"

# 6. Failures name their input, in one line, with a non-zero exit.
expect_error() {
  local what=$1 pattern=$2
  shift 2
  if ig run "$@" > "$T/err.out" 2> "$T/err"; then fail "$what succeeded"; fi
  [ "$(wc -l < "$T/err")" -le 2 ] && grep -q "$pattern" "$T/err" || fail "$what: $(cat "$T/err")"
}
expect_error "no daemon" "unix://$T/none.sock: no daemon answers there" --remote-address "unix://$T/none.sock" daemon/fchmodat:v1
expect_error "missing image" "daemon/absent:v1" --remote-address "$address" daemon/absent:v1 --pull never --verify-image=false
expect_error "unknown param" 'unknown gadget parameter "--bogus"' --remote-address "$address" daemon/fchmodat:v1 --verify-image=false --bogus 1
pass "an unreachable daemon, a missing image and a bad param fail in one line"

# 7. SIGTERM stops the daemon and removes its socket.
kill -TERM "$daemon_pid"
bounded_wait "$daemon_pid" "the daemon after SIGTERM" || fail "the daemon exited with $?: $(cat "$T/daemon.log")"
[ ! -e "$T/ig.sock" ] || fail "the socket is left behind"
pass "SIGTERM: the daemon exits 0 and removes its socket"

# 8. TCP takes TLS with client certificates, or plain TCP only with --tls-insecure.
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
if ig daemon -H "tcp://127.0.0.1:$port" --instances-dir "$T/none" > "$T/plain.log" 2>&1; then fail "plain TCP without --tls-insecure was served"; fi
grep -q -- "--tls-insecure" "$T/plain.log" || fail "plain TCP refusal: $(cat "$T/plain.log")"
address="tcp://127.0.0.1:$port"
"$IG" daemon -H "$address" --instances-dir "$T/none" --tls-insecure --verify-image=false > "$T/daemon.log" 2>&1 &
daemon_pid=$!
pids+=("$daemon_pid")
for _ in $(seq 100); do grep -q "serving on" "$T/daemon.log" && break; sleep 0.1; done
run_both tcp daemon/fchmodat:v1 --host -o json
grep -q '"comm":"igdmnchmod"' "$T/tcp.remote" || fail "no workload event over TCP: $(cat "$T/tcp.remote.err")"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || true
pass "plain TCP only with --tls-insecure; a run over $address"

source "$(dirname "$(realpath "$0")")/../make-cert.sh"
make_cert "$T" ca -
make_cert "$T" other-ca -
make_cert "$T" server ca "IP:127.0.0.1,DNS:node1.test"
make_cert "$T" client ca
make_cert "$T" stranger other-ca
port=$(free_port)
address="tcp://127.0.0.1:$port"
"$IG" daemon -H "$address" --instances-dir "$T/none" --verify-image=false --tls-key-file "$T/server.key" --tls-cert-file "$T/server.crt" \
  --tls-client-ca-file "$T/ca.crt" > "$T/daemon.log" 2>&1 &
daemon_pid=$!
pids+=("$daemon_pid")
for _ in $(seq 100); do grep -q "serving on" "$T/daemon.log" && break; sleep 0.1; done
chmods 4
ig run --remote-address "$address" --tls-key-file "$T/client.key" --tls-cert-file "$T/client.crt" \
  --tls-server-ca-file "$T/ca.crt" --tls-server-name node1.test daemon/fchmodat:v1 --host --verify-image=false -t 3 -o json \
  > "$T/tls.remote" 2> "$T/tls.err" || fail "run over TLS: $(cat "$T/tls.err")"
grep -q '"comm":"igdmnchmod"' "$T/tls.remote" || fail "no workload event over TLS: $(cat "$T/tls.err")"
pass "mutual TLS: the client's certificate accepted, the server's checked against its CA and name"
expect_error "a client certificate of another CA" "no daemon answers there" --remote-address "$address" \
  --tls-key-file "$T/stranger.key" --tls-cert-file "$T/stranger.crt" --tls-server-ca-file "$T/ca.crt" daemon/fchmodat:v1
expect_error "no client certificate" "no daemon answers there" --remote-address "$address" daemon/fchmodat:v1
expect_error "a server of another CA" "no daemon answers there" --remote-address "$address" \
  --tls-key-file "$T/client.key" --tls-cert-file "$T/client.crt" --tls-server-ca-file "$T/other-ca.crt" daemon/fchmodat:v1
expect_error "half the TLS files" "TLS needs all of" --remote-address "$address" --tls-key-file "$T/client.key" daemon/fchmodat:v1
pass "refused: a client of another CA, no client certificate, a server of another CA, half the TLS flags"

# 9. A fleet: three daemons, each in a network namespace with an address of its own, mutual
# TLS, one client run fanned out to all, events merged with a k8s.node column.
make_cert "$T" fleet ca "IP:10.231.1.2,IP:10.231.2.2,IP:10.231.3.2"
fleet=()
fleet_pids=()
for n in 1 2 3; do
  ip netns del "igfleet$n" 2> /dev/null || true  # left by a run that was killed
  ip link del "igfv$n" 2> /dev/null || true
  ip netns add "igfleet$n"
  ip link add "igfv$n" type veth peer name "igfp$n"
  ip link set "igfp$n" netns "igfleet$n"
  ip addr add "10.231.$n.1/24" dev "igfv$n"
  ip link set "igfv$n" up
  ip -n "igfleet$n" addr add "10.231.$n.2/24" dev "igfp$n"
  ip -n "igfleet$n" link set "igfp$n" up
  ip -n "igfleet$n" link set lo up
  # nsenter, not ip netns exec: only the network namespace changes, tracefs stays mounted.
  nsenter --net="/run/netns/igfleet$n" "$IG" daemon -H "tcp://10.231.$n.2:7443" --node-name "node$n" --instances-dir "$T/none" --verify-image=false \
    --tls-key-file "$T/fleet.key" --tls-cert-file "$T/fleet.crt" --tls-client-ca-file "$T/ca.crt" > "$T/node$n.log" 2>&1 &
  fleet_pids+=("$!")
  pids+=("$!")
  fleet+=(--remote-address "tcp://10.231.$n.2:7443")
done
for n in 1 2 3; do
  for _ in $(seq 100); do grep -q "serving on" "$T/node$n.log" && break; sleep 0.1; done
  grep -q "serving on" "$T/node$n.log" || fail "node$n did not start: $(cat "$T/node$n.log")"
done
tls=(--tls-key-file "$T/client.key" --tls-cert-file "$T/client.crt" --tls-server-ca-file "$T/ca.crt")
"$IG" run "${fleet[@]}" "${tls[@]}" daemon/fchmodat:v1 --host --verify-image=false -o json > "$T/fleet" 2> "$T/fleet.err" &
client=$!
pids+=("$client")
nodes_seen() { jq -r 'select(.proc.comm == "igdmnchmod" and .mode == '"$1"') | .k8s.node' "$T/fleet" 2> /dev/null | sort -u | tr '\n' ' '; }
for _ in $(seq 100); do
  "$T/igdmnchmod" 600 "$T/file"
  [ "$(nodes_seen 384)" = "node1 node2 node3 " ] && break
  sleep 0.1
done
[ "$(nodes_seen 384)" = "node1 node2 node3 " ] || fail "not every node's events: $(nodes_seen 384); $(cat "$T/fleet.err")"
pass "one client run on three daemons over mutual TLS: events of node1, node2 and node3 merged"
ig run "${fleet[@]}" "${tls[@]}" daemon/fchmodat:v1 --host --verify-image=false -t 1 > "$T/fleet.columns" 2> "$T/fleet.columns.err" ||
  fail "fleet columns run: $(cat "$T/fleet.columns.err")"
[ "$(head -1 "$T/fleet.columns" | awk '{print $1, $2, $3, $4, $5}')" = "K8S.NODE K8S.NAMESPACE K8S.PODNAME K8S.CONTAINERNAME COMM" ] ||
  fail "fleet columns: $(head -1 "$T/fleet.columns")"
pass "a fleet run prints kubectl-gadget's columns: K8S.NODE K8S.NAMESPACE K8S.PODNAME K8S.CONTAINERNAME"

kill -9 "${fleet_pids[2]}"
for _ in $(seq 100); do
  "$T/igdmnchmod" 700 "$T/file"
  [ "$(nodes_seen 448)" = "node1 node2 " ] && grep -q "tcp://10.231.3.2:7443: " "$T/fleet.err" && break
  sleep 0.1
done
[ "$(nodes_seen 448)" = "node1 node2 " ] || fail "after node3 died: $(nodes_seen 448); $(cat "$T/fleet.err")"
grep -q "warning: tcp://10.231.3.2:7443: " "$T/fleet.err" || fail "node3's end is not reported: $(cat "$T/fleet.err")"
kill -INT "$client"
if bounded_wait "$client" "the fleet client after SIGINT"; then fail "the run reported success though node3 failed"; fi
grep -q "1 of 3 daemons failed" "$T/fleet.err" || fail "the failure summary: $(cat "$T/fleet.err")"
pass "node3 killed mid-run: reported in one line, node1 and node2 stream on, the run exits non-zero"

# 10. Gadget instances: created detached, attached to, kept across a daemon restart, deleted.
address="unix://$T/inst.sock"
start_instance_daemon() {
  "$IG" daemon -H "$address" --instances-dir "$T/instances" --verify-image=false > "$T/inst.log" 2>&1 &
  daemon_pid=$!
  pids+=("$daemon_pid")
  for _ in $(seq 100); do grep -q "serving on" "$T/inst.log" && return 0; sleep 0.1; done
  fail "the instance daemon did not start: $(cat "$T/inst.log")"
}
# has_event MODE: the attach output holds a workload event with MODE (-s: jq 1.6 -e passes an empty input).
has_event() { jq -se --argjson m "$((8#$1))" 'any(.[]; .proc.comm == "igdmnchmod" and .mode == $m)' "$T/attach" > /dev/null 2>&1; }
# attach_sees MODE: ig attach prints a workload event with MODE, then stops at SIGINT.
attach_sees() {
  "$IG" attach "$id" --remote-address "$address" -o json > "$T/attach" 2> "$T/attach.err" &
  local client=$!
  for _ in $(seq 100); do
    "$T/igdmnchmod" "$1" "$T/file"
    has_event "$1" && break
    sleep 0.1
  done
  kill -INT "$client"
  bounded_wait "$client" "ig attach after SIGINT" || fail "ig attach exited with $?: $(cat "$T/attach.err")"
  has_event "$1" ||
    fail "ig attach: no event with mode $1: $(head -3 "$T/attach") $(cat "$T/attach.err")"
}
start_instance_daemon
id=$(ig run --remote-address "$address" --detach --name chmods --tags e2e,daemon daemon/fchmodat:v1 --host --verify-image=false) ||
  fail "ig run --detach"
[[ "$id" =~ ^[0-9a-f]{32}$ ]] || fail "instance id: $id"
ig list --remote-address "$address" -o json | jq -e --arg id "$id" \
  '.[] | select(.id == $id and .name == "chmods" and .tags == ["e2e", "daemon"] and .status == "Running" and .gadget == "daemon/fchmodat:v1")' > /dev/null ||
  fail "ig list: $(ig list --remote-address "$address")"
attach_sees 600
bpftool prog show | grep -q fchmodat || fail "the instance's program is gone after the client left"
pass "ig run --detach creates an instance; ig list shows it; ig attach prints its events; it outlives the client"

kill -TERM "$daemon_pid"
bounded_wait "$daemon_pid" "the instance daemon after SIGTERM" || fail "the daemon exited with $?: $(cat "$T/inst.log")"
[ -f "$T/instances/$id.pb" ] || fail "the instance is not stored: $(ls "$T/instances")"
start_instance_daemon
ig list --remote-address "$address" | grep -q "^$id .*Running" || fail "after a restart: $(ig list --remote-address "$address")"
attach_sees 640
pass "the instance is re-created when the daemon starts again, and attachable"

ig delete "$id" --remote-address "$address" > /dev/null || fail "ig delete"
[ "$(ig list --remote-address "$address" -o json)" = "[]" ] || fail "ig list after delete: $(ig list --remote-address "$address")"
[ ! -e "$T/instances/$id.pb" ] || fail "the deleted instance is still stored"
for _ in $(seq 50); do bpftool prog show | grep -q fchmodat || break; sleep 0.1; done
! bpftool prog show | grep -q fchmodat || fail "the deleted instance's program is still loaded"
if ig delete "$id" --remote-address "$address" 2> "$T/err"; then fail "a second delete succeeded"; fi
grep -q "gadget instance $id not found" "$T/err" || fail "second delete: $(cat "$T/err")"
pass "ig delete stops the instance, unloads its programs and forgets it; deleting it again fails in one line"
