# UDP datagrams from a network namespace of its own, through a veth pair whose host end is
# --iface; the packet filter (--pf, compiled by libpcap into the classifier) keeps only those to
# port 40999: every event must be one of them, ingress, with its payload.
run_args=(--iface igcat-td0 --pf "udp dst port 40999")
setup() {
  ip netns add igcat-td
  ip link add igcat-td0 type veth peer name igcat-td1 netns igcat-td
  ip addr add 10.78.0.1/24 dev igcat-td0 && ip link set igcat-td0 up
  ip -n igcat-td addr add 10.78.0.2/24 dev igcat-td1 && ip -n igcat-td link set igcat-td1 up
}
# Attached once both directions carry ig's dispatcher.
tc_filters() {
  { tc filter show dev igcat-td0 ingress; tc filter show dev igcat-td0 egress; } 2> /dev/null |
    grep -c ig_tc_dispatch || true
}
workload() {
  ip netns exec igcat-td python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    s.sendto(b"ig-tcpdump-kept", ("10.78.0.1", 40999))
    s.sendto(b"ig-tcpdump-dropped", ("10.78.0.1", 40998))'
}
check() {
  jq -e -s 'length == 3 and all(.[]; .packet_type == 1 and .packet_size == 57 and
              .payload_len == 57 and (.payload | @base64d | endswith("ig-tcpdump-kept")))' > /dev/null
}
cleanup() {
  ip netns del igcat-td
  ip link del igcat-td0 2> /dev/null || true
}
