#!/bin/sh
# Copies the build inputs of every gadget in upstream Inspektor Gadget's gadgets/ folder at
# one commit (eBPF sources and headers, gadget.yaml, build.yaml, dev.md) into
# tests/data/builder/upstream/, unchanged, for the catalogue tests. Wasm sources, READMEs and
# Go tests are not copied: we neither build nor run them.
# usage: vendor-upstream-gadgets.sh UPSTREAM_GIT_DIR [COMMIT]
set -eu
repo=${1:?usage: $0 UPSTREAM_GIT_DIR [COMMIT]}
commit=${2:-aeac857bd9791c2ac5ce3e9e669be04634f385e7}
dest=$(dirname "$0")/../tests/data/builder/upstream

git --git-dir="$repo" ls-tree -r --name-only "$commit" gadgets/ |
  grep -E '^gadgets/[^/]+/(([^/]+\.(c|h))|ebpf/[^/]+\.h|gadget\.yaml|build\.yaml|dev\.md)$' |
  while read -r path; do
    target="$dest/${path#gadgets/}"
    mkdir -p "$(dirname "$target")"
    git --git-dir="$repo" show "$commit:$path" > "$target"
  done
echo "vendored upstream gadgets at $commit into $dest"
