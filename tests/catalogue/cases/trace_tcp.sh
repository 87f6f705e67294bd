# A TCP connection to a local listener on a port of its own.
where=vm
run_args=(--host -F proc.comm==nc)
workload() {
  nc -l -p 40124 > /dev/null & listener=$!
  wait_listening 40124
  echo hello | nc 127.0.0.1 40124 || true
  kill "$listener" 2> /dev/null || true
}
check() { jq -e -s 'any(.[]; .dst.port == 40124 or .src.port == 40124)' > /dev/null; }
