#!/bin/bash
# vm-run.sh KVER_LABEL OUT_DIR OCI_STORE RUN... -- BIN...
#   KVER_LABEL: 6.1 or 6.12 (Debian stock cloud kernel, see fetch-kernel.sh)
#   OUT_DIR:    receives console.log and results/ (what payload.sh recorded in the VM)
#   OCI_STORE:  the gadget images, copied into the VM's store
#   RUN:        NAME:MODE:IMAGE, one `ig run IMAGE -o MODE` in the VM with the workload
#   BIN...:     ig and the workload (with their ldd closures)
# env IG_TRUSTED_KEYS: public keys the VM's ig trusts by default (see mkinitrd.sh).
# env IG_VM_PAYLOAD: the script the VM runs instead of payload.sh (with IG_VM_EXTRA_DIR, see
#   mkinitrd.sh); IG_VM_CMDLINE: more kernel command line.
# Exits non-zero, with the reason on stderr, when the VM gives no complete results. Success is
# judged from the results port, never from qemu's exit code (0 on poweroff and on panic).
set -euo pipefail

label=${1:?usage: vm-run.sh KVER_LABEL OUT_DIR OCI_STORE RUN... -- BIN...}
out=$(realpath -m "${2:?missing OUT_DIR}")
store=${3:?missing OCI_STORE}
shift 3
runs=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do runs+=("$1"); shift; done
[ "${1:-}" = -- ] || { echo "vm-run.sh: missing -- BIN..." >&2; exit 2; }
shift
here=$(dirname "$(realpath "$0")")
qemu_timeout_s=${IG_TEST_QEMU_TIMEOUT:-150}

fail() { echo "vm-run.sh: $*" >&2; exit 1; }

command -v qemu-system-x86_64 > /dev/null || fail "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
vmlinuz=$("$here/fetch-kernel.sh" "$label") || fail "cannot fetch the $label cloud kernel"

mkdir -p "$out"
"$here/mkinitrd.sh" "$out/initrd.gz" "${IG_VM_PAYLOAD:-$here/payload.sh}" "$store" "$@" > /dev/null || fail "mkinitrd.sh failed"

cmdline="console=ttyS0 quiet panic=-1 ${IG_VM_CMDLINE:-}"
for run in "${runs[@]}"; do cmdline+=" igtest_run=$run"; done
qemu_rc=0
# One TCG thread for both vCPUs: with multi-threaded TCG the guest's live code patching
# (static keys, toggled as programs attach) sometimes hit a stray int3 and the kernel panicked.
timeout "$qemu_timeout_s" qemu-system-x86_64 -accel tcg,thread=single -cpu max -m 1024 -smp 2 \
  -net none -kernel "$vmlinuz" -initrd "$out/initrd.gz" -append "$cmdline" \
  -nographic -serial mon:stdio -serial "file:$out/ttyS1" -no-reboot \
  < /dev/null > "$out/console.log" 2>&1 || qemu_rc=$?
[ "$qemu_rc" = 124 ] && fail "VM did not power off within ${qemu_timeout_s}s"

rm -rf "$out/results" && mkdir "$out/results"
[ -f "$out/ttyS1" ] || fail "no results port output"
sed -n '/^IG-VM-RESULTS-BEGIN$/,/^IG-VM-RESULTS-END$/p' "$out/ttyS1" > "$out/results.b64"
grep -qx IG-VM-RESULTS-END "$out/results.b64" || fail "results on ttyS1 are missing or truncated"
sed '1d;$d' "$out/results.b64" | base64 -d | tar -xz -C "$out/results" || fail "cannot unpack the results"
[ -f "$out/results/error" ] && fail "payload: $(cat "$out/results/error")"
echo "VM $(basename "$vmlinuz"): $(grep -ao 'IG-VM-[A-Z-]*=* *[^ ]* uptime=[0-9.]*' "$out/console.log" | tr '\n' ' ')"
