#!/bin/bash
# run-vm-test.sh KVER_LABEL IG WORKLOAD GADGET_DIR
#   KVER_LABEL: 6.1 or 6.12 (Debian stock cloud kernel, see fetch-kernel.sh)
#   IG:         the ig binary under test
#   WORKLOAD:   the seccomp workload (workload.c)
#   GADGET_DIR: directory with the audit_seccomp gadget (program.bpf.c, gadget.yaml)
# Builds and signs the gadget images with IG on a "connected" store, exports them to a tar and
# imports that into a fresh store (the air-gapped path), boots QEMU (TCG) on the kernel with that
# store in an initramfs running payload.sh, and judges the results with check-results.py. Missing qemu or kernel is a failure,
# never a skip. Success is judged from the results alone, never from qemu's exit code.
set -euo pipefail

label=${1:?usage: run-vm-test.sh KVER_LABEL IG WORKLOAD GADGET_DIR}
ig=$(realpath "${2:?missing IG}")
workload=$(realpath "${3:?missing WORKLOAD}")
gadget_dir=$(realpath "${4:?missing GADGET_DIR}")
here=$(dirname "$(realpath "$0")")
ref=audit_seccomp:vmtest
upstream_ref=audit_seccomp-upstream:vmtest
upstream_dir=$gadget_dir/tests/data/builder/upstream/audit_seccomp

tmp=$(mktemp -d /tmp/ig-vm-test.XXXXXX)
ok=0
# IG_TEST_KEEP=1 keeps the work directory (ig output, console log) after a pass too.
trap '[ "$ok" = 1 ] && [ -z "${IG_TEST_KEEP:-}" ] && rm -rf "$tmp"' EXIT

die() {
  echo "vm.audit_seccomp.$label: FAIL: $*" >&2
  if [ -s "$tmp/console.log" ]; then
    echo "--- VM console (last 40 lines) ---" >&2
    tail -n 40 "$tmp/console.log" >&2
  fi
  echo "(work files kept in $tmp)" >&2
  exit 1
}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }


t=$(now)
IG_OCI_STORE="$tmp/oci-store" "$ig" image build "$gadget_dir" -t "$ref" > "$tmp/build.log" 2>&1 ||
  die "ig image build $gadget_dir failed: $(tail -n 5 "$tmp/build.log")"
[ -s "$tmp/oci-store/index.json" ] || die "ig image build left no OCI layout in $tmp/oci-store"
IG_OCI_STORE="$tmp/oci-store" "$ig" image build "$upstream_dir" -t "$upstream_ref" > "$tmp/build-upstream.log" 2>&1 ||
  die "ig image build $upstream_dir failed: $(tail -n 5 "$tmp/build-upstream.log")"
# Signed with a fresh key the VM trusts: the runs inside verify as `ig run` does by default.
"$ig" image sign --generate-key "$tmp/key.pem" > "$tmp/sign.log" 2>&1 ||
  die "ig image sign --generate-key failed: $(tail -n 5 "$tmp/sign.log")"
for image in "$ref" "$upstream_ref"; do
  IG_OCI_STORE="$tmp/oci-store" "$ig" image sign --key "$tmp/key.pem" "$image" > "$tmp/sign.log" 2>&1 ||
    die "ig image sign $image failed: $(tail -n 5 "$tmp/sign.log")"
done
echo "gadget images built and signed in $(since "$t") s"

# The VM gets the images the air-gapped way: export (with signatures) and import.
IG_OCI_STORE="$tmp/oci-store" "$ig" image export "$ref" "$upstream_ref" "$tmp/gadgets.tar" \
  > "$tmp/export.log" 2>&1 || die "ig image export failed: $(tail -n 5 "$tmp/export.log")"
IG_OCI_STORE="$tmp/vm-store" "$ig" image import "$tmp/gadgets.tar" > "$tmp/import.log" 2>&1 ||
  die "ig image import failed: $(tail -n 5 "$tmp/import.log")"

t=$(now)
IG_TRUSTED_KEYS="$tmp/key.pub" "$here/vm-run.sh" "$label" "$tmp" "$tmp/vm-store" \
  "json:json+ustack:$ref" "columns:columns:$ref" "upstream:json+ustack:$upstream_ref" -- "$ig" "$workload" ||
  die "the VM run failed"
echo "VM run took $(since "$t") s"

echo "guest kernel: $(cat "$tmp/results/uname" 2>/dev/null); ig version: $(head -n 1 "$tmp/results/ig-version" 2>/dev/null)"
for run in json columns upstream; do
  echo "$run: $(cat "$tmp/results/attach-$run" 2>/dev/null)"
done
/usr/bin/python3 "$here/check-results.py" "$tmp/results" "$gadget_dir/gadget.yaml" ||
  die "results do not match (see FAIL lines above; ig output in $tmp/results)"
ok=1
# For the catalogue table (scripts/catalogue-table.py): audit_seccomp ran on this kernel.
if [ -n "${IG_CATALOGUE_RESULTS:-}" ]; then
  mkdir -p "$IG_CATALOGUE_RESULTS/vm-$label"
  printf 'vm %s\ntest: vm.audit_seccomp.%s\n' "$(cat "$tmp/results/uname")" "$label" \
    > "$IG_CATALOGUE_RESULTS/vm-$label/audit_seccomp.run"
fi
echo "vm.audit_seccomp.$label: PASS${IG_TEST_KEEP:+ (work files in $tmp)}"
