# A bpftrace program on a tracepoint, hit in a loop while ig samples (an operator-only gadget
# attaches nothing, so the case only times it): bpfstats must list the program as a
# TracePoint held by bpftrace, with its maps and the runs of an interval.
timeout_seconds=3
run_args=(--host)
setup() {
  bpftrace -e 'tracepoint:syscalls:sys_enter_getppid { @calls = count(); }' > bpftrace.out 2>&1 &
  echo $! > bpftrace.pid
  for _ in $(seq 150); do grep -q Attaching bpftrace.out && break; sleep 0.1; done
  python3 -c 'import os, time
while True:
    os.getppid(); time.sleep(0.001)' &
  echo $! > caller.pid
}
check() {
  jq -e -s 'any(.[] | if type == "array" then .[] else . end;
                (.comms | split(",") | index("bpftrace")) and .progType == "TracePoint"
                and .runcount > 0 and .mapCount >= 1 and .mapMemory_raw > 0)' > /dev/null
}
cleanup() {
  kill "$(cat caller.pid)" "$(cat bpftrace.pid)" 2> /dev/null || true
  wait 2> /dev/null || true
}
