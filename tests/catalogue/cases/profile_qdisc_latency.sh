# UDP datagrams through a tbf qdisc on the loopback of a network namespace of its own
# (loopback has no qdisc by default, and pfifo lets packets bypass the queue): the latency
# histogram (metrics.print) must count them.
run_args=(--host)
workload() {
  unshare -n sh -c 'ip link set lo up && tc qdisc add dev lo root tbf rate 100mbit burst 32kbit latency 50ms &&
    exec python3 -c "import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(200):
    s.sendto(b\"probe\", (\"127.0.0.1\", 40127)); time.sleep(0.002)"'
  echo "sender exited $?"
  sleep 1.5  # the map is fetched once a second
}
check() {
  jq -e -s 'any(.[]; (.text | startswith("latency\n")) and (.text | test(": [1-9][0-9]* +\\|\\*")))' > /dev/null
}
