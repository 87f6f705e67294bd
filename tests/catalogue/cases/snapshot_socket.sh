# A TCP listener on a port of its own, opened before the snapshot, must be in it (state 10:
# TCP_LISTEN, a number as upstream prints it).
run_args=(--host)
setup() {
  python3 -c 'import socket,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen()
open("port","w").write(str(s.getsockname()[1])); time.sleep(30)' &
  echo $! > target.pid
  for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
}
check() {
  jq -e -s --argjson p "$(cat port)" \
    'any(.[] | if type == "array" then .[] else . end;
         .src.port == $p and .src.addr == "127.0.0.1" and .state == 10)' > /dev/null
}
cleanup() { kill "$(cat target.pid)" 2>/dev/null || true; }
