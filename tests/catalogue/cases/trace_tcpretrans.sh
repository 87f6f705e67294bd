# A connect to an address routed to loopback that nothing answers: the SYN is retransmitted,
# and the socket enricher's kprobes (tcp_connect) must name the socket's owner, nc.
where=vm
run_args=(--host)
workload() {
  ip route add 192.0.2.0/24 dev lo src 127.0.0.1
  timeout 4 nc 192.0.2.1 40125 < /dev/null || true
  ip route del 192.0.2.0/24 dev lo || true
}
check() {
  jq -e -s 'any(.[]; .dst.port == 40125 and .proc.comm == "nc" and .proc.pid > 0)' > /dev/null
}
