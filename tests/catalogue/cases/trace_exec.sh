# Executes a program with a name of its own; the gadget must report the exec.
where=vm
run_args=(--host -F proc.comm==catexecprobe)
workload() { cp /bin/busybox ./catexecprobe; ./catexecprobe true || true; }
check() { jq -e -s 'any(.[]; .proc.comm == "catexecprobe" and .error == "")' > /dev/null; }
