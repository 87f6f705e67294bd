#!/bin/bash
# mkinitrd.sh OUT.cpio.gz PAYLOAD OCI_STORE BIN...
#   PAYLOAD:   shell script run by /init as `/payload/run /results`
#   OCI_STORE: OCI layout directory, copied to /var/lib/ig-test/oci-store
#   BIN...:    executables copied to /usr/local/bin with their ldd closure (same paths as here)
# env IG_TRUSTED_KEYS: public keys (PEM, space separated) installed in /etc/ig/public-keys.d/,
#   where ig looks for its default trusted keys.
# env IG_VM_EXTRA_DIR: a directory the payload needs, copied to /payload/extra.
# The Debian cloud kernels have what the test needs built in (8250 serial, BPF, tracefs), so the
# image holds no modules. /init ships /results back as base64(tar.gz) between two marker lines on
# the second serial port (ttyS1); the host boots qemu with `-serial file:...` for it.
set -euo pipefail

out=$(realpath -m "${1:?usage: mkinitrd.sh OUT PAYLOAD OCI_STORE BIN...}")
payload=${2:?missing PAYLOAD}
store=${3:?missing OCI_STORE}
shift 3

busybox=$(command -v busybox) || { echo "mkinitrd.sh: busybox not found (apt-get install busybox-static)" >&2; exit 1; }
if ! file -L "$busybox" | grep -q 'statically linked'; then
  echo "mkinitrd.sh: $busybox is not static (apt-get install busybox-static)" >&2
  exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,proc,sys,dev,tmp,run,root,etc,results,payload,usr/local/bin,var/lib/ig-test}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"

mkdir -p "$root/etc/ig/public-keys.d"
for key in ${IG_TRUSTED_KEYS:-}; do
  cp "$key" "$root/etc/ig/public-keys.d/$(basename "$key" .pub).pem"
done

cp "$payload" "$root/payload/run"
[ -z "${IG_VM_EXTRA_DIR:-}" ] || cp -a "$IG_VM_EXTRA_DIR" "$root/payload/extra"
chmod 755 "$root/payload/run"
cp -a "$store" "$root/var/lib/ig-test/oci-store"

for bin in "$@"; do
  # Debug info only costs initramfs size (and unpack time under TCG).
  strip --strip-debug -o "$root/usr/local/bin/$(basename "$bin")" "$bin"
  for lib in $(ldd "$bin" | grep -oE '/[^ ]+'); do
    [ -e "$root$lib" ] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
done

cat > "$root/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/usr/local/bin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf
echo "IG-VM-INIT uptime=$(cut -d' ' -f1 /proc/uptime)"
/payload/run /results
echo "IG-VM-PAYLOAD-RC=$? uptime=$(cut -d' ' -f1 /proc/uptime)"
# raw: no \n -> \r\n translation on the results port.
stty -F /dev/ttyS1 raw -echo
{
  echo IG-VM-RESULTS-BEGIN
  tar -c -C /results . | gzip -1 | base64
  echo IG-VM-RESULTS-END
} > /dev/ttyS1
echo "IG-VM-DONE uptime=$(cut -d' ' -f1 /proc/uptime)"
poweroff -f
INIT
chmod 755 "$root/init"

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out"
