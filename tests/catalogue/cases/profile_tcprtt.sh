# TCP traffic on loopback: the round-trip histogram (metrics.print) must count segments.
where=vm
run_args=(--host)
workload() {
  sleep 6 | nc -l -p 40127 > /dev/null & listener=$!  # stdin open: see top_tcp.sh
  wait_listening 40127
  (for _ in 1 2 3; do head -c 65536 /dev/zero; sleep 0.5; done) | nc 127.0.0.1 40127 || true
  kill "$listener" 2> /dev/null || true
  sleep 1.2  # the map is fetched once a second
}
check() {
  jq -e -s 'any(.[]; (.text // "" | test("µs +: count    distribution")) and
                     (.text | test(": [1-9][0-9]* +\\|\\*")))' > /dev/null
}
