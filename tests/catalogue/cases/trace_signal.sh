# Sends SIGUSR1 to a sleeping child; the gadget must report the signal and its target.
run_args=(--host)
workload() {
  sleep 30 & target=$!
  echo "$target" > target.pid
  kill -USR1 "$target"
  wait "$target" || true
}
check() {
  jq -e -s --argjson t "$(cat target.pid)" \
    'any(.[]; .sig == "SIGUSR1" and .tpid == $t)' > /dev/null
}
