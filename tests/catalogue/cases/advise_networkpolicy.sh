# A TCP connection on loopback between sockets opened before ig starts: the eBPF part (its
# map iterator, flushed on stop) must list the peer port both ways. The policy itself is made
# by upstream's wasm module and Kubernetes operators: not here.
run_args=(--host)
setup() {
  timeout 30 python3 -c 'import os,socket,time
listener=socket.socket(); listener.bind(("127.0.0.1",40998)); listener.listen()
client=socket.socket(); client.bind(("127.0.0.1",0))
open("ready","w").close()
while not os.path.exists("go"): time.sleep(0.05)
client.connect(("127.0.0.1",40998)); peer,_=listener.accept()
client.send(b"x"*100); peer.recv(100); time.sleep(1)' &
  for _ in $(seq 50); do [ -e ready ] && break; sleep 0.1; done
}
workload() { touch go; sleep 1; }
check() {
  jq -e -s '[.[] | if type == "array" then .[] else . end | select(.endpoint.port == 40998)]
            | any(.egress == 1) and any(.egress == 0)' > /dev/null
}
