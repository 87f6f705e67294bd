#!/bin/bash
# fetch-kernel.sh LABEL — print the path of a cached Debian stock cloud kernel (vmlinuz).
#   LABEL: 5.10 -> newest Debian 11 (bullseye) cloud kernel
#          6.1  -> current target of the meta package linux-image-cloud-amd64
#          6.12 -> current target of the meta package linux-image-6.12-cloud-amd64
# Cache: $IG_TEST_KERNEL_CACHE (default /var/cache/ig-tests/kernels). Only boot/vmlinuz-* is kept.
set -euo pipefail

label=${1:?usage: fetch-kernel.sh 5.10|6.1|6.12}
cache=${IG_TEST_KERNEL_CACHE:-/var/cache/ig-tests/kernels}

# Debian 11's kernel is not in this host's apt sources: the newest bullseye cloud kernel, from
# the archive's package index, checked as apt would: InRelease signed by a Debian archive key,
# the index's and the package's SHA256 from there.
fetch_bullseye() {
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  local mirror="" base stanza file sha kver vmlinuz
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # Releases past their LTS move from deb.debian.org to archive.debian.org.
  for base in http://deb.debian.org/debian http://archive.debian.org/debian; do
    if curl -fsSL -o "$work/InRelease" "$base/dists/bullseye/InRelease" 2> /dev/null; then
      mirror=$base
      break
    fi
  done
  [ -n "$mirror" ] || { echo "fetch-kernel.sh: cannot download bullseye's InRelease" >&2; exit 1; }
  gpgv --keyring "$keyring" "$work/InRelease" 2> "$work/gpgv.log" ||
    { echo "fetch-kernel.sh: bullseye InRelease: bad signature: $(cat "$work/gpgv.log")" >&2; exit 1; }
  sha=$(awk '/^SHA256:/ {in_sha = 1; next} /^[^ ]/ {in_sha = 0}
             in_sha && $3 == "main/binary-amd64/Packages.xz" {print $1}' "$work/InRelease")
  curl -fsSL -o "$work/Packages.xz" "$mirror/dists/bullseye/main/binary-amd64/Packages.xz"
  echo "$sha  $work/Packages.xz" | sha256sum -c --quiet ||
    { echo "fetch-kernel.sh: bullseye Packages.xz does not match InRelease" >&2; exit 1; }
  # "Filename SHA256" of the newest linux-image-5.10.*-cloud-amd64.
  stanza=$(xz -d < "$work/Packages.xz" | awk '
    /^Package: / {pkg = $2} /^Filename: / {file = $2} /^SHA256: / {sha = $2}
    /^$/ {if (pkg ~ /^linux-image-5\.10\.[0-9]+-[0-9]+-cloud-amd64$/) print file, sha; pkg = ""}' |
    sort -V | tail -n 1)
  file=${stanza% *}
  sha=${stanza#* }
  [ -n "$stanza" ] || { echo "fetch-kernel.sh: no 5.10 cloud kernel in bullseye's index" >&2; exit 1; }
  kver=$(basename "$file" | sed 's/^linux-image-\(.*\)_.*_amd64\.deb$/\1/')
  vmlinuz="$cache/$kver/boot/vmlinuz-$kver"
  if [ ! -s "$vmlinuz" ]; then
    curl -fsSL -o "$work/kernel.deb" "$mirror/$file"
    echo "$sha  $work/kernel.deb" | sha256sum -c --quiet ||
      { echo "fetch-kernel.sh: $file does not match its index" >&2; exit 1; }
    mkdir -p "$work/x" "$cache"
    dpkg-deb --fsys-tarfile "$work/kernel.deb" | tar -x -C "$work/x" --wildcards './boot/vmlinuz-*'
    [ -s "$work/x/boot/vmlinuz-$kver" ] || { echo "fetch-kernel.sh: $file has no vmlinuz" >&2; exit 1; }
    # Publish atomically so a concurrent or interrupted run never sees a partial kernel.
    rm -rf "${cache:?}/${kver:?}"
    mv "$work/x" "$cache/$kver"
  fi
  echo "$vmlinuz"
}

case "$label" in
  5.10) fetch_bullseye; exit 0 ;;
  6.1) meta=linux-image-cloud-amd64 ;;
  6.12) meta=linux-image-6.12-cloud-amd64 ;;
  *) echo "fetch-kernel.sh: unknown kernel label \"$label\" (want 5.10, 6.1 or 6.12)" >&2; exit 2 ;;
esac

resolve() { # the linux-image-* package the meta package depends on
  apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}'
}

pkg=$(resolve)
if [ -z "$pkg" ]; then
  # Fresh containers have no package lists yet.
  apt-get update -qq >&2
  pkg=$(resolve)
fi
[ -n "$pkg" ] || { echo "fetch-kernel.sh: apt-cache knows no dependency of $meta" >&2; exit 1; }

kver=${pkg#linux-image-}
vmlinuz="$cache/$kver/boot/vmlinuz-$kver"
if [ -s "$vmlinuz" ]; then
  echo "$vmlinuz"
  exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The cache is root's; apt's _apt sandbox user could not write into it.
(cd "$work" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >&2)
deb=$(ls "$work"/*.deb)
mkdir -p "$work/x"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" --wildcards './boot/vmlinuz-*'
[ -s "$work/x/boot/vmlinuz-$kver" ] || { echo "fetch-kernel.sh: $pkg has no boot/vmlinuz-$kver" >&2; exit 1; }
# Publish atomically so a concurrent or interrupted run never sees a partial kernel.
rm -rf "${cache:?}/${kver:?}"
mv "$work/x" "$cache/$kver"
echo "$vmlinuz"
