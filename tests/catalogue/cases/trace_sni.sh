# A TLS ClientHello naming sni.example.test on a TCP connection made before ig starts: the
# socket filter must read the name, and the socket enricher its owner (python3).
run_args=(--host)
setup() {
  timeout 30 python3 -c 'import os,socket,ssl,time
server=socket.socket(); server.bind(("127.0.0.1",0)); server.listen()
client=socket.create_connection(server.getsockname()); peer,_=server.accept()
open("ready","w").close()
while not os.path.exists("go"): time.sleep(0.05)
tls=ssl.create_default_context(); tls.check_hostname=False; tls.verify_mode=ssl.CERT_NONE
client.settimeout(1)
try: tls.wrap_socket(client, server_hostname="sni.example.test")
except Exception: pass' &
  for _ in $(seq 50); do [ -e ready ] && break; sleep 0.1; done
}
workload() { touch go; sleep 1.5; }
check() {
  jq -e -s 'any(.[]; .name == "sni.example.test" and .proc.comm == "python3")' > /dev/null
}
