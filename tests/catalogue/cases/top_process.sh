# A busy loop with a distinctive name, started before ig (an operator-only gadget has nothing
# to attach, and ends by itself after its reports): top_process must list it with the CPU it
# used over the interval, its memory, thread count and state.
run_args=(--host --interval 500ms --count 2)
setup() {
  cp /bin/bash ./cattopburn
  ./cattopburn -c 'while :; do :; done' > /dev/null 2>&1 &
  echo $! > target.pid
}
check() {
  jq -e -s --argjson t "$(cat target.pid)" \
    'any(.[] | if type == "array" then .[] else . end;
         .comm == "cattopburn" and .pid == $t and .cpuUsage > 10 and .memoryRSS_raw > 0
         and .threadCount == 1 and .state == "R" and (.cpuTimeStr | test("^[0-9]+:[0-9]{2}\\.[0-9]{3}$")))' \
    > /dev/null
}
cleanup() { kill "$(cat target.pid)" 2>/dev/null || true; }
