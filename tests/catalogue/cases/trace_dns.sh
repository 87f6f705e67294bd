# DNS queries from a UDP socket opened before ig starts (so the socket enricher's iterator
# names its owner on any kernel): the socket filter must see them leave, owned by python3, and
# the DNS decoder (what upstream's wasm module computes) must name the query.
run_args=(--host)
setup() {
  timeout 30 python3 -c 'import os,socket,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0))
open("ready","w").close()
while not os.path.exists("go"): time.sleep(0.05)
query=bytes.fromhex("abcd01000001000000000000076578616d706c6503636f6d0000010001")
for _ in range(3): s.sendto(query,("127.0.0.1",53)); time.sleep(0.2)' &
  for _ in $(seq 50); do [ -e ready ] && break; sleep 0.1; done
}
workload() { touch go; sleep 1; }
check() {
  jq -e -s 'any(.[]; .dst.port == 53 and .pkt_type == "OUTGOING" and .proc.comm == "python3"
                      and .proc.pid > 0 and .id == "abcd" and .qr == "Q" and .qtype == "A"
                      and .name == "example.com.")' > /dev/null
}
