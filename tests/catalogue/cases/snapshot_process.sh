# A sleeping process with a distinctive name, started before the snapshot, must be in it.
run_args=(--host)
setup() {
  cp /bin/sleep ./catsnapproc
  ./catsnapproc 30 > /dev/null 2>&1 &
  echo $! > target.pid
}
check() {
  jq -e -s --argjson t "$(cat target.pid)" \
    'any(.[] | if type == "array" then .[] else . end; .comm == "catsnapproc" and .pid == $t)' \
    > /dev/null
}
cleanup() { kill "$(cat target.pid)" 2>/dev/null || true; }
