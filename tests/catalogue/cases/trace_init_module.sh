# insmod of a file that is no module: the syscall fails, but its entry must be reported.
where=vm
run_args=(--host -F proc.comm==insmod)
workload() { insmod /etc/passwd || true; }
check() { jq -e -s 'any(.[]; .proc.comm == "insmod")' > /dev/null; }
