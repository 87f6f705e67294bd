#!/bin/bash
# run-vm-container-test.sh KVER_LABEL IG GADGET_DIR
# The seed's audit_seccomp guide with real containers: builds the gadget image, boots QEMU on
# the Debian cloud kernel with an initramfs holding ig, crun and container-payload.sh, and
# checks ig's output with check-container-results.py. Missing qemu, crun or kernel fails.
set -euo pipefail

label=${1:?usage: run-vm-container-test.sh KVER_LABEL IG GADGET_DIR}
ig=$(realpath "${2:?missing IG}")
gadget_dir=$(realpath "${3:?missing GADGET_DIR}")
here=$(dirname "$(realpath "$0")")
ref=audit_seccomp:vmtest
qemu_timeout_s=${IG_TEST_QEMU_TIMEOUT:-180}
name=vm.containers.$label

tmp=$(mktemp -d /tmp/ig-vm-ctr-test.XXXXXX)
ok=0
trap '[ "$ok" = 1 ] && [ -z "${IG_TEST_KEEP:-}" ] && rm -rf "$tmp"' EXIT
die() {
  echo "$name: FAIL: $*" >&2
  [ -s "$tmp/console.log" ] && { echo "--- VM console (last 40 lines) ---" >&2; tail -n 40 "$tmp/console.log" >&2; }
  echo "(work files kept in $tmp)" >&2
  exit 1
}

command -v qemu-system-x86_64 > /dev/null || die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
crun=$(command -v crun) || die "crun not found (apt-get install crun)"
vmlinuz=$("$here/fetch-kernel.sh" "$label") || die "cannot fetch the $label cloud kernel"

IG_OCI_STORE="$tmp/oci-store" "$ig" image build "$gadget_dir" -t "$ref" > "$tmp/build.log" 2>&1 ||
  die "ig image build $gadget_dir failed: $(tail -n 5 "$tmp/build.log")"
"$here/mkinitrd.sh" "$tmp/initrd.gz" "$here/container-payload.sh" "$tmp/oci-store" "$ig" "$crun" ||
  die "mkinitrd.sh failed"

qemu_rc=0
# One TCG thread for both vCPUs: with multi-threaded TCG the guest's live code patching
# (static keys, toggled as programs attach) sometimes hit a stray int3 and the kernel panicked.
timeout "$qemu_timeout_s" qemu-system-x86_64 -accel tcg,thread=single -cpu max -m 1024 -smp 2 \
  -net none -kernel "$vmlinuz" -initrd "$tmp/initrd.gz" \
  -append "console=ttyS0 quiet panic=-1 igtest_ref=$ref" \
  -nographic -serial mon:stdio -serial "file:$tmp/ttyS1" -no-reboot \
  < /dev/null > "$tmp/console.log" 2>&1 || qemu_rc=$?
[ "$qemu_rc" = 124 ] && die "VM did not power off within ${qemu_timeout_s}s"

mkdir "$tmp/results"
[ -f "$tmp/ttyS1" ] || die "no results port output"
sed -n '/^IG-VM-RESULTS-BEGIN$/,/^IG-VM-RESULTS-END$/p' "$tmp/ttyS1" > "$tmp/results.b64"
grep -qx IG-VM-RESULTS-END "$tmp/results.b64" || die "results on ttyS1 are missing or truncated"
sed '1d;$d' "$tmp/results.b64" | base64 -d | tar -xz -C "$tmp/results" || die "cannot unpack the results"
[ -f "$tmp/results/error" ] && die "payload: $(cat "$tmp/results/error")"

/usr/bin/python3 "$here/check-container-results.py" "$tmp/results" ||
  die "results do not match (ig output in $tmp/results)"
ok=1
echo "$name: PASS${IG_TEST_KEEP:+ (work files in $tmp)}"
