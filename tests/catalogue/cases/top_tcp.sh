# TCP traffic on loopback to a port of its own for several fetch intervals; top_tcp must rank
# the connection with the bytes sent. The listener reads a pipe that stays open for the run:
# busybox nc closes the connection at its stdin's EOF, which ended the traffic before any fetch.
where=vm
run_args=(--host)
workload() {
  sleep 8 | nc -l -p 40126 > /dev/null & listener=$!
  wait_listening 40126
  (for _ in 1 2 3 4 5; do head -c 65536 /dev/zero; sleep 0.8; done) | nc 127.0.0.1 40126
  echo "client nc exited $?"
  sleep 1.2  # one more fetch
  kill "$listener" 2> /dev/null || true
}
check() {
  jq -e -s 'any(.[] | if type == "array" then .[] else . end;
                (.dst.port == 40126 or .src.port == 40126) and .sent_raw > 0)' > /dev/null
}
