# mount checks CAP_SYS_ADMIN; the gadget must report that check.
where=vm
run_args=(--host -F proc.comm==mount)
workload() { mkdir -p mnt && mount -t tmpfs none mnt && umount mnt; }
check() {
  jq -e -s 'any(.[]; .proc.comm == "mount" and .cap == "CAP_SYS_ADMIN")' > /dev/null
}
