# Mounts a tmpfs (a wasm gadget: its eBPF part runs); the mount call must be reported.
run_args=(--host)
workload() {
  mkdir -p mnt
  mount -t tmpfs catalogue-tmpfs mnt
  umount mnt
}
check() {
  jq -e -s 'any(.[]; .src == "catalogue-tmpfs" and .fs == "tmpfs")' > /dev/null
}
