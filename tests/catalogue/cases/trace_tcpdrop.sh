# A SYN dropped by an iptables rule in a network namespace of its own, from a socket bound
# before ig starts: the drop must name its reason, its ports and the socket's owner.
run_args=(--host)
setup() {
  timeout 30 unshare -n sh -c 'ip link set lo up && iptables -A OUTPUT -p tcp --dport 40999 -j DROP &&
    exec python3 -c "import os,socket,time
listener=socket.socket(); listener.bind((\"127.0.0.1\",40999)); listener.listen()
client=socket.socket(); client.bind((\"127.0.0.1\",0)); client.settimeout(2)
open(\"ready\",\"w\").close()
while not os.path.exists(\"go\"): time.sleep(0.05)
try: client.connect((\"127.0.0.1\",40999))
except OSError: pass"' &
  for _ in $(seq 50); do [ -e ready ] && break; sleep 0.1; done
}
workload() { touch go; sleep 1.5; }
check() {
  jq -e -s 'any(.[]; .dst.port == 40999 and .reason == "SKB_DROP_REASON_NETFILTER_DROP"
                      and .comm == "python3")' > /dev/null
}
