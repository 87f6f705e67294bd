# Opens a file with a name no other process uses; the gadget must report it with its flags.
run_args=(--host)
workload() { : > catalogue-trace-open-probe; cat catalogue-trace-open-probe; }
check() {
  jq -e -s 'any(.[]; (.fname | endswith("catalogue-trace-open-probe"))
                     and .proc.comm == "cat" and .error == "" and .fd >= 0)' > /dev/null
}
