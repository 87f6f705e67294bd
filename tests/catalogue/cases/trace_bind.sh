# A TCP listener binds a port of its own; the gadget must report the bind.
where=vm
run_args=(--host -F proc.comm==nc)
workload() { nc -l -p 40123 & sleep 1; kill $! 2> /dev/null; }
check() { jq -e -s 'any(.[]; .addr.port == 40123 and .error == "")' > /dev/null; }
