#!/bin/bash
# The container image ig's DaemonSet runs, made with buildah from scratch: ig, the shared
# libraries it links (at their paths, the loader too) and the CA bundle registries need.
# Nothing is downloaded. Extra arguments go to buildah before its command (--root DIR
# --runroot DIR for a private storage).
# Usage: build-image.sh IG_BINARY TAG [BUILDAH_GLOBAL_FLAGS...]
set -euo pipefail
ig=$(realpath "${1:?usage: build-image.sh IG_BINARY TAG [BUILDAH_GLOBAL_FLAGS...]}")
tag=${2:?usage: build-image.sh IG_BINARY TAG [BUILDAH_GLOBAL_FLAGS...]}
shift 2
command -v buildah > /dev/null || { echo "build-image.sh: buildah not found (apt-get install buildah)" >&2; exit 1; }
stage=$(mktemp -d /tmp/ig-image.XXXXXX)
trap 'rm -rf "$stage"' EXIT

install -D -m 0755 "$ig" "$stage/usr/bin/ig"
strip --strip-debug "$stage/usr/bin/ig"  # a RelWithDebInfo build: the image needs no DWARF
# ldd lists "name => /path (addr)" for libraries and "/path (addr)" for the loader.
ldd "$ig" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u |
  while read -r lib; do install -D -m 0755 "$lib" "$stage$lib"; done
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$stage/etc/ssl/certs/ca-certificates.crt"
mkdir -p "$stage/tmp" "$stage/var/lib/ig" "$stage/host" "$stage/run" "$stage/sys" "$stage/proc"
chmod 1777 "$stage/tmp"

container=$(buildah "$@" from scratch)
buildah "$@" copy "$container" "$stage" / > /dev/null
buildah "$@" config --entrypoint '["/usr/bin/ig"]' --cmd '["daemon"]' --env HOST_ROOT=/host \
  --label org.opencontainers.image.title=ig --label "org.opencontainers.image.version=$("$ig" version | awk '{print $NF; exit}')" \
  "$container"
buildah "$@" commit --rm -q "$container" "$tag" > /dev/null
echo "$tag"
