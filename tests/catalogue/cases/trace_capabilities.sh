# mount checks CAP_SYS_ADMIN; the gadget must report that check.
where=vm
vm_skip="6.1.:ig neither ends nor fails within 90 s on 6.1 under TCG (seen twice, not investigated)"
run_args=(--host -F proc.comm==mount)
workload() { mkdir -p mnt && mount -t tmpfs none mnt && umount mnt; }
check() {
  jq -e -s 'any(.[]; .proc.comm == "mount" and .cap == "CAP_SYS_ADMIN")' > /dev/null
}
