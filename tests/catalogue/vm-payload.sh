#!/bin/sh
# vm-payload.sh RESULTS_DIR — runs inside the VM (busybox sh, from tests/vm/mkinitrd.sh's
# /init): every catalogue case marked where=vm, with the images the host put in the VM's
# store, leaving GADGET.run (run-case.sh's record), GADGET.log and GADGET.rc in RESULTS_DIR.
set -u
results=${1:?usage: vm-payload.sh RESULTS_DIR}
cases=/payload/extra
uname -r > "$results/uname"
ip link set lo up
for case in "$cases"/cases/*.sh; do
  grep -q '^where=vm$' "$case" || continue
  gadget=$(basename "$case" .sh)
  # vm_skip="KERNEL_PREFIX:REASON" in a case: a known problem on those kernels, recorded.
  skip=$(sed -n 's/^vm_skip="\(.*\)"$/\1/p' "$case")
  if [ -n "$skip" ] && case "$(uname -r)" in "${skip%%:*}"*) true ;; *) false ;; esac; then
    echo "skipped on $(uname -r): ${skip#*:}" > "$results/$gadget.run"
    echo 0 > "$results/$gadget.rc"
    continue
  fi
  rc=0
  IG=/usr/local/bin/ig IG_CATALOGUE_RESULTS="$results" \
    IG_CATALOGUE_STORE=/var/lib/ig-test/oci-store IG_CATALOGUE_WHERE=vm \
    timeout 90 bash "$cases/run-case.sh" "$gadget" > "$results/$gadget.log" 2>&1 || rc=$?
  echo "$rc" > "$results/$gadget.rc"
  echo "IG-VM-CASE $gadget rc=$rc uptime=$(cut -d' ' -f1 /proc/uptime)"
done
