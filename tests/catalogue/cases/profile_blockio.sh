# Direct writes to the disk under the work directory: the latency histogram (metrics.print)
# must be printed as upstream prints it, with the requests counted.
run_args=(--host)
workload() {
  dd if=/dev/zero of=catalogue-blockio-probe bs=4k count=256 oflag=direct 2> /dev/null
  sync
  sleep 1.5  # the map is fetched once a second
}
check() {
  jq -e -s 'any(.[]; (.text | startswith("latency\n        µs               : count    distribution\n"))
                     and (.text | test(": [1-9][0-9]* +\\|\\*")))' > /dev/null
}
