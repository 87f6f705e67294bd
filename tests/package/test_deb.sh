#!/bin/bash
# The Debian package as a new user meets it: built with cpack from the build tree, installed
# with apt into a clean Debian 12 chroot (debootstrap minbase, cached in
# /var/cache/ig-tests/chroot), where ig builds a gadget from its source with the installed
# headers and runs it against a chmod; man page and completions are where the system looks.
# Then `make install`'s layout: a tree staged with DESTDIR under another prefix still finds
# its headers beside the binary once the package is gone. Needs root, debootstrap and the
# network (or the cache) the first time.
# Usage: test_deb.sh BUILD_DIR GADGET_DIR
set -euo pipefail
build=$(realpath "${1:?usage: test_deb.sh BUILD_DIR GADGET_DIR}")
gadget=$(realpath "${2:?usage: test_deb.sh BUILD_DIR GADGET_DIR}")
cache=/var/cache/ig-tests/chroot
T=$(mktemp -d /tmp/ig-package-test.XXXXXX)
root=$T/root
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
cleanup() {
  local m
  # Deepest first: the chroot's own mounts, then the binds.
  awk -v r="$root/" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2> /dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || fail "the package test needs root"
command -v debootstrap > /dev/null || fail "debootstrap not found (scripts/install-deps.sh installs it)"
[ -d /sys/kernel/tracing/events ] || fail "tracefs is not mounted (scripts/prepare-host.sh)"

(cd "$build" && cpack -G DEB -B "$T/pkg") > "$T/cpack.log" 2>&1 || fail "cpack: $(tail -5 "$T/cpack.log")"
deb=$(ls "$T"/pkg/ig_*.deb)
dpkg-deb -c "$deb" | awk '{print $6}' > "$T/contents"
for f in ./usr/bin/ig ./usr/share/ig/include/gadget/macros.h ./usr/share/ig/include/gadget/amd64/vmlinux.h \
  ./usr/share/man/man1/ig.1 ./usr/share/bash-completion/completions/ig ./usr/share/zsh/vendor-completions/_ig \
  ./usr/share/fish/vendor_completions.d/ig.fish; do
  grep -qx "$f" "$T/contents" || fail "the package lacks $f"
done
pass "cpack builds $(basename "$deb") with the binary, headers, man page and completions"

# A clean Debian 12: the minbase tarball is made once and kept.
mkdir -p "$cache" "$root"
if [ ! -s "$cache/bookworm-minbase.tar" ]; then
  debootstrap --variant=minbase bookworm "$T/bootstrap" http://deb.debian.org/debian > "$T/debootstrap.log" 2>&1 ||
    fail "debootstrap: $(tail -5 "$T/debootstrap.log")"
  tar -C "$T/bootstrap" -cf "$cache/bookworm-minbase.tar.tmp" . && mv "$cache/bookworm-minbase.tar.tmp" "$cache/bookworm-minbase.tar"
  rm -rf "$T/bootstrap"
fi
tar -C "$root" -xf "$cache/bookworm-minbase.tar"
rm -f "$root/etc/apt/sources.list"
cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
cp /etc/resolv.conf "$root/etc/resolv.conf"
for m in proc sys dev; do mkdir -p "$root/$m"; mount --rbind "/$m" "$root/$m"; mount --make-rslave "$root/$m"; done
# The host's package cache: what install-deps downloaded is not fetched again.
mount --bind /var/cache/apt/archives "$root/var/cache/apt/archives"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }

cp "$deb" "$root/tmp/"
in_root apt-get update -qq > "$T/apt.log" 2>&1 || fail "apt-get update: $(tail -5 "$T/apt.log")"
DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq "/tmp/$(basename "$deb")" >> "$T/apt.log" 2>&1 ||
  fail "apt-get install: $(tail -5 "$T/apt.log")"
[ "$(in_root ig version)" = "ig version v$(dpkg-deb -f "$deb" Version)" ] || fail "ig version: $(in_root ig version)"
in_root sh -c 'command -v clang-16 || command -v clang' > /dev/null || fail "apt did not install the recommended clang"
pass "apt installs the package and its dependencies in a clean Debian 12"

# Build and run a gadget there: the headers come from /usr/share/ig/include.
mkdir -p "$root/src"
cp -r "$gadget" "$root/src/gadget"
in_root ig image build -t local/fchmodat:v1 /src/gadget > "$T/build.log" 2>&1 || fail "ig image build in the chroot: $(tail -5 "$T/build.log")"
in_root touch /tmp/probe
in_root ig run local/fchmodat:v1 --verify-image=false --host -o json --timeout 4 > "$T/run.json" 2> "$T/run.err" &
ig_pid=$!
sleep 2.5
in_root chmod 640 /tmp/probe
wait "$ig_pid" || fail "ig run in the chroot: $(cat "$T/run.err")"
grep -q '"filename":"/tmp/probe"' "$T/run.json" || fail "no event of the chmod: $(head -c 600 "$T/run.json") $(cat "$T/run.err")"
pass "the installed ig builds a gadget from source and runs it"

# Where the system looks for the man page and the completions.
[ -s "$root/usr/share/man/man1/ig.1.gz" ] || [ -s "$root/usr/share/man/man1/ig.1" ] || fail "no man page installed"
in_root bash -c 'source /usr/share/bash-completion/completions/ig; COMP_LINE="ig image p"; COMP_POINT=${#COMP_LINE}; _ig_complete; echo "${COMPREPLY[*]}"' > "$T/complete"
[ "$(cat "$T/complete")" = "push pull" ] || fail "bash completion in the chroot: $(cat "$T/complete")"
pass "man page and bash completion are installed where the system finds them"

# make install's tree under another prefix, staged with DESTDIR: it finds its own headers even
# with the package (and /usr/share/ig) removed.
DESTDIR=$root cmake --install "$build" --prefix /opt/ig > "$T/install.log" || fail "cmake --install"
[ -x "$root/opt/ig/bin/ig" ] && [ -f "$root/opt/ig/share/ig/include/gadget/macros.h" ] || fail "staged layout: $(find "$root/opt/ig" -maxdepth 4)"
in_root dpkg -r ig > /dev/null
[ ! -e "$root/usr/share/ig" ] || fail "dpkg -r left /usr/share/ig"
in_root /opt/ig/bin/ig image build -t local/fchmodat:v2 /src/gadget > "$T/build2.log" 2>&1 ||
  fail "the DESTDIR-staged ig does not build: $(tail -5 "$T/build2.log")"
pass "make install with PREFIX and DESTDIR: a relocatable tree that finds its headers beside the binary"
echo PASS
