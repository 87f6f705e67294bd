# A process holding a file of a distinctive name open, started before the snapshot.
run_args=(--host)
setup() {
  : > catalogue-snapshot-file-probe
  sleep 30 < catalogue-snapshot-file-probe &
  echo $! > target.pid
}
check() {
  jq -e -s --argjson t "$(cat target.pid)" \
    'any(.[] | if type == "array" then .[] else . end;
         .pid == $t and (.path | endswith("catalogue-snapshot-file-probe")))' > /dev/null
}
cleanup() { kill "$(cat target.pid)" 2>/dev/null || true; }
