#!/bin/bash
# run-vm-cases.sh KVER_LABEL — the catalogue cases marked where=vm (kprobe, fentry and other
# kinds this host's kernel refuses) in one boot of Debian's KVER_LABEL cloud kernel (QEMU,
# see tests/vm/vm-run.sh): builds their gadgets here, runs run-case.sh for each in the VM,
# and copies each record to RESULTS/vm-KVER_LABEL/. Fails if any case fails.
set -euo pipefail
label=${1:?usage: run-vm-cases.sh KVER_LABEL}
here=$(cd "$(dirname "$0")" && pwd)
: "${IG:?IG must name the ig binary}"
: "${IG_CATALOGUE_RESULTS:?IG_CATALOGUE_RESULTS must name the results directory}"
out=$IG_CATALOGUE_RESULTS/vm-$label
tmp=$(mktemp -d /tmp/ig-catalogue-vm.XXXXXX)
ok=0
trap '[ "$ok" = 1 ] && rm -rf "$tmp"' EXIT
mkdir -p "$out"

gadgets=()
for case in "$here"/cases/*.sh; do
  grep -q '^where=vm$' "$case" && gadgets+=("$(basename "$case" .sh)")
done
for gadget in "${gadgets[@]}"; do
  rm -f "$out/$gadget".{run,log,out,err}
  IG_OCI_STORE=$tmp/store "$IG" image build "$here/../data/builder/upstream/$gadget" \
    -t "catalogue/$gadget:test" > "$tmp/build.log" 2>&1 ||
    { cat "$tmp/build.log" >&2; echo "building $gadget failed" >&2; exit 1; }
done

# Workload helpers the VM lacks (it has busybox, bash and jq), built here.
helpers=()
for helper in "$here"/helpers/*.c; do
  helpers+=("$tmp/$(basename "$helper" .c)")
  gcc -O2 -o "${helpers[-1]}" "$helper" || { echo "building $helper failed" >&2; exit 1; }
done
IG_VM_PAYLOAD=$here/vm-payload.sh IG_VM_EXTRA_DIR=$here IG_TEST_QEMU_TIMEOUT=500 \
  "$here/../vm/vm-run.sh" "$label" "$tmp/vm" "$tmp/store" -- \
  "$IG" "$(command -v bash)" "$(command -v jq)" "${helpers[@]}" ||
  { tail -n 40 "$tmp/vm/console.log" >&2; echo "(work files kept in $tmp)" >&2; exit 1; }

failed=()
for gadget in "${gadgets[@]}"; do
  cp "$tmp/vm/results/$gadget".{run,log,out,err} "$out/" 2> /dev/null || true
  rc=$(cat "$tmp/vm/results/$gadget.rc" 2> /dev/null || echo "no result")
  echo "$gadget: rc=$rc $(cat "$out/$gadget.run" 2> /dev/null | head -n1)"
  if [ "$rc" != 0 ]; then
    failed+=("$gadget")
    sed 's/^/  | /' "$out/$gadget.log" 2> /dev/null | head -n 40 >&2 || true
  fi
done
[ ${#failed[@]} = 0 ] || { echo "failed in the VM: ${failed[*]} (work files in $tmp)" >&2; exit 1; }
ok=1
