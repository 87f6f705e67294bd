#!/bin/bash
# Upstream's tcpdump gadget, built from its unchanged source, on the host end of a veth pair
# whose other end is in a network namespace of its own: `-o pcap-ng` must be a capture that
# Wireshark's tshark reads (the datagrams, their ports and payloads, timestamps of now), the
# packet filter must keep only what it names, a bad filter must fail in one line, and nothing
# (tc filter, clsact qdisc) may stay on the interface after the run.
# Needs root, iproute2 and tshark; fails without them.
# Usage: IG=path/to/ig test_tcpdump.sh UPSTREAM_GADGETS_DIR
set -euo pipefail
IG=$(realpath "${IG:?IG must point at the ig binary}")
SOURCE=${1:?usage: test_tcpdump.sh UPSTREAM_GADGETS_DIR}/tcpdump
T=$(mktemp -d /tmp/ig-tcpdump-test.XXXXXX)
NS=igtd-$$
HOST_END=igtd$$a
cleanup() {
  ip netns del "$NS" 2> /dev/null || true
  ip link del "$HOST_END" 2> /dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "the tcpdump test needs root"
command -v tshark > /dev/null || fail "tshark missing (scripts/install-deps.sh)"
export IG_OCI_STORE=$T/store

"$IG" image build "$SOURCE" -t tcpdump:e2e > "$T/build.log" 2>&1 || { cat "$T/build.log"; fail "build"; }
grep -q "warning" "$T/build.log" && { cat "$T/build.log"; fail "the build warned"; }

ip netns add "$NS"
ip link add "$HOST_END" type veth peer name igtd-peer netns "$NS"
ip addr add 10.79.0.1/24 dev "$HOST_END" && ip link set "$HOST_END" up
ip -n "$NS" addr add 10.79.0.2/24 dev igtd-peer && ip -n "$NS" link set igtd-peer up

"$IG" run tcpdump:e2e --verify-image=false --help > "$T/help.txt"
grep -q -- "--iface string" "$T/help.txt" && grep -q -- "--pf string" "$T/help.txt" ||
  { cat "$T/help.txt"; fail "--help lists no --iface/--pf"; }

attached() {
  { tc filter show dev "$HOST_END" ingress; tc filter show dev "$HOST_END" egress; } |
    grep -c ig_tc_dispatch || true
}

# Runs ig with "$@" while the namespace sends 4 datagrams to port 41000, which a host socket
# echoes, and 2 to 41001.
capture() {
  python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.79.0.1", 41000))
open("'"$T"'/echo-ready", "w").close()
s.settimeout(10)
for _ in range(4):
    data, peer = s.recvfrom(100)
    s.sendto(b"echo-" + data, peer)' &
  local echo=$!
  for _ in $(seq 50); do [ -e "$T/echo-ready" ] && break; sleep 0.1; done
  "$IG" run tcpdump:e2e --verify-image=false --iface "$HOST_END" "$@" > "$T/out" 2> "$T/err" &
  local pid=$!
  for _ in $(seq 100); do [ "$(attached)" = 2 ] && break; sleep 0.1; done
  [ "$(attached)" = 2 ] || { kill $pid; cat "$T/err"; fail "ig did not attach both directions"; }
  ip netns exec "$NS" python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(4): s.sendto(b"ig-e2e-%d" % i, ("10.79.0.1", 41000))
for i in range(2): s.sendto(b"ig-e2e-other", ("10.79.0.1", 41001))'
  wait $echo || fail "the echo server did not get the 4 datagrams"
  rm -f "$T/echo-ready"
  sleep 0.5
  kill -INT $pid
  wait $pid || { cat "$T/err"; fail "ig run $* exited $?"; }
}

start=$(date +%s)
capture --pf "udp dst port 41000" -o pcap-ng
tshark -r "$T/out" -T fields -e frame.time_epoch -e udp.dstport -e data.data -e frame.len \
  > "$T/packets.txt" 2> "$T/tshark.err" || { cat "$T/tshark.err"; fail "tshark cannot read the capture"; }
[ "$(wc -l < "$T/packets.txt")" = 4 ] || { cat "$T/packets.txt"; fail "expected the 4 datagrams to 41000"; }
i=0
while read -r epoch port data length; do
  [ "$port" = 41000 ] || fail "a packet to port $port passed the filter"
  [ "$data" = "$(printf 'ig-e2e-%d' $i | od -An -tx1 | tr -d ' \n')" ] || fail "payload $i: $data"
  [ "$length" = 50 ] || fail "frame length $length, expected 50"
  [ "${epoch%.*}" -ge "$start" ] && [ "${epoch%.*}" -le "$(date +%s)" ] || fail "timestamp $epoch"
  i=$((i + 1))
done < "$T/packets.txt"

# Without a filter both ports come (besides IPv6 neighbour discovery), and the echoes leave
# (egress).
capture -o json
jq -e -s '([.[] | select(.packet_type == 1 and .packet_size == 50)] | length) == 4 and
          ([.[] | select(.packet_type == 1 and .packet_size == 54)] | length) == 2 and
          ([.[] | select(.packet_type == 0 and .packet_size == 55)] | length) == 4' "$T/out" > /dev/null ||
  { cat "$T/out"; fail "expected 6 ingress datagrams and 4 egress echoes without a filter"; }

[ "$(attached)" = 0 ] || fail "a tc filter stayed on $HOST_END"
tc qdisc show dev "$HOST_END" | grep -q clsact && fail "the clsact qdisc stayed on $HOST_END"

if "$IG" run tcpdump:e2e --verify-image=false --iface "$HOST_END" --pf "udp port nope" > "$T/out" 2> "$T/err"; then
  fail "a bad --pf was accepted"
fi
errors=$(grep -v '^warning' "$T/err")
[ "$(wc -l <<<"$errors")" = 1 ] && grep -q -- '--pf: packet filter "udp port nope"' <<<"$errors" ||
  { cat "$T/err"; fail "a bad --pf must fail in one line naming it"; }
if "$IG" run tcpdump:e2e --verify-image=false --iface igtd-nosuch > "$T/out" 2> "$T/err"; then
  fail "an unknown --iface was accepted"
fi
grep -q -- "--iface igtd-nosuch: no such network interface" "$T/err" || { cat "$T/err"; fail "unknown --iface"; }
echo "PASS"
