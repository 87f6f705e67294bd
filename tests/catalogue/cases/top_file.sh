# Writes a file of a name of its own for longer than a fetch interval; top_file must rank it.
where=vm
run_args=(--host -F proc.comm==dd)
workload() {
  for _ in 1 2 3; do dd if=/dev/zero of=catalogue-top-file-probe bs=4k count=64 2> /dev/null; sleep 1; done
}
check() {
  jq -e -s 'any(.[] | if type == "array" then .[] else . end;
                (.file | endswith("catalogue-top-file-probe")) and .writes > 0)' > /dev/null
}
